PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_clusters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'slurm' NOT NULL,
	`host` text,
	`port` integer,
	`ssh_user` text,
	`auth` text,
	`private_key_path` text,
	`agent_socket` text,
	`known_hosts_path` text,
	`host_fingerprint` text,
	`default_partition` text,
	`default_account` text,
	`default_qos` text,
	`profile` text,
	`template` text DEFAULT 'megatron-deepspeed' NOT NULL,
	`jobs_root` text,
	`fake_trainer_path` text,
	`settings` text,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer,
	`disabled_at` integer,
	CONSTRAINT "clusters_kind" CHECK("__new_clusters"."kind" IN ('slurm', 'local', 'kubernetes')),
	CONSTRAINT "clusters_auth" CHECK("__new_clusters"."auth" IS NULL OR "__new_clusters"."auth" IN ('key', 'agent')),
	CONSTRAINT "clusters_template" CHECK("__new_clusters"."template" IN ('megatron-deepspeed', 'fake-trainer')),
	CONSTRAINT "clusters_host_key" CHECK("__new_clusters"."kind" IN ('local', 'kubernetes') OR (("__new_clusters"."known_hosts_path" IS NULL) <> ("__new_clusters"."host_fingerprint" IS NULL)))
);
--> statement-breakpoint
INSERT INTO `__new_clusters`("id", "name", "kind", "host", "port", "ssh_user", "auth", "private_key_path", "agent_socket", "known_hosts_path", "host_fingerprint", "default_partition", "default_account", "default_qos", "profile", "template", "jobs_root", "fake_trainer_path", "settings", "created_at", "updated_at", "disabled_at") SELECT "id", "name", "kind", "host", "port", "ssh_user", "auth", "private_key_path", "agent_socket", "known_hosts_path", "host_fingerprint", "default_partition", "default_account", "default_qos", "profile", "template", "jobs_root", "fake_trainer_path", "settings", "created_at", "updated_at", "disabled_at" FROM `clusters`;--> statement-breakpoint
DROP TABLE `clusters`;--> statement-breakpoint
ALTER TABLE `__new_clusters` RENAME TO `clusters`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `clusters_name_unique` ON `clusters` (`name`);