CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`last_used_at` integer,
	`expires_at` integer,
	`revoked_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "api_tokens_role" CHECK("api_tokens"."role" IN ('viewer', 'operator', 'admin'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_unique` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_user` ON `api_tokens` (`user_id`);--> statement-breakpoint
CREATE TABLE `control_lease` (
	`name` text PRIMARY KEY NOT NULL,
	`holder` text NOT NULL,
	`token` integer NOT NULL,
	`acquired_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`renewed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `login_links` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `run_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`kind` text NOT NULL,
	`params` text,
	`requested_by` integer,
	`state` text DEFAULT 'pending' NOT NULL,
	`commands` text,
	`result` text,
	`expected_version` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`requested_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "run_actions_kind" CHECK("run_actions"."kind" IN ('cancel_job', 'cancel_run', 'resubmit', 'exclude', 'save_exit', 'hold', 'release', 'set_chain_length', 'submit')),
	CONSTRAINT "run_actions_state_values" CHECK("run_actions"."state" IN ('pending', 'running', 'done', 'failed', 'refused'))
);
--> statement-breakpoint
CREATE INDEX `run_actions_state` ON `run_actions` (`state`);--> statement-breakpoint
CREATE INDEX `run_actions_run` ON `run_actions` (`run_id`,`id`);--> statement-breakpoint
CREATE TABLE `server_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`scheduler_job_id` text,
	`idem_key` text,
	`sched_name` text,
	`chain_seq` integer,
	`cluster_id` integer,
	`phase` text DEFAULT 'submitted' NOT NULL,
	`state` text DEFAULT 'SUBMITTING' NOT NULL,
	`depends_on` text,
	`exclude` text,
	`reason` text,
	`action_id` integer,
	`submit_attempts` integer DEFAULT 0 NOT NULL,
	`submit_started_at` integer,
	`reason_text` text,
	`node_list` text,
	`exit_code` integer,
	`submitted_at` integer,
	`started_at` integer,
	`ended_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`cluster_id`) REFERENCES `clusters`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`action_id`) REFERENCES `run_actions`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "jobs_phase_values" CHECK("__new_jobs"."phase" IN ('submitting', 'submitted', 'lost', 'duplicate_cancelled'))
);
--> statement-breakpoint
INSERT INTO `__new_jobs`("id", "run_id", "scheduler_job_id", "state", "node_list", "exit_code", "submitted_at", "started_at", "ended_at", "updated_at") SELECT "id", "run_id", "scheduler_job_id", "state", "node_list", "exit_code", "submitted_at", "started_at", "ended_at", "updated_at" FROM `jobs`;--> statement-breakpoint
DROP TABLE `jobs`;--> statement-breakpoint
ALTER TABLE `__new_jobs` RENAME TO `jobs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_run_scheduler_id` ON `jobs` (`run_id`,`scheduler_job_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idem_key` ON `jobs` (`idem_key`);--> statement-breakpoint
CREATE INDEX `jobs_run_chain_seq` ON `jobs` (`run_id`,`chain_seq`);--> statement-breakpoint
CREATE INDEX `jobs_phase` ON `jobs` (`phase`);--> statement-breakpoint
CREATE TABLE `__new_sessions` (
	`sid_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer,
	`data` text NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`last_seen_at` integer,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- sessions: no rows to copy (0000's table was never written; the new one is the express-session store).
DROP TABLE `sessions`;--> statement-breakpoint
ALTER TABLE `__new_sessions` RENAME TO `sessions`;--> statement-breakpoint
CREATE INDEX `sessions_expires` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `actor_kind` text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `actor_name` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `token_id` integer REFERENCES api_tokens(id);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `request_id` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `target_kind` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `target_id` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `run_id` integer;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `cluster_id` integer;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `command` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `result` text DEFAULT 'ok' NOT NULL;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `error_code` text;--> statement-breakpoint
ALTER TABLE `audit_log` ADD `message` text;--> statement-breakpoint
CREATE INDEX `audit_log_run_at` ON `audit_log` (`run_id`,`at_ms`);--> statement-breakpoint
CREATE INDEX `audit_log_actor_at` ON `audit_log` (`actor_name`,`at_ms`);--> statement-breakpoint
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
	CONSTRAINT "clusters_kind" CHECK("__new_clusters"."kind" IN ('slurm', 'local')),
	CONSTRAINT "clusters_auth" CHECK("__new_clusters"."auth" IS NULL OR "__new_clusters"."auth" IN ('key', 'agent')),
	CONSTRAINT "clusters_template" CHECK("__new_clusters"."template" IN ('megatron-deepspeed', 'fake-trainer')),
	CONSTRAINT "clusters_host_key" CHECK("__new_clusters"."kind" = 'local' OR (("__new_clusters"."known_hosts_path" IS NULL) <> ("__new_clusters"."host_fingerprint" IS NULL)))
);
--> statement-breakpoint
INSERT INTO `__new_clusters`("id", "name", "kind", "host", "port", "ssh_user", "settings", "created_at") SELECT "id", "name", "kind", "host", "port", "ssh_user", "settings", "created_at" FROM `clusters`;--> statement-breakpoint
DROP TABLE `clusters`;--> statement-breakpoint
ALTER TABLE `__new_clusters` RENAME TO `clusters`;--> statement-breakpoint
CREATE UNIQUE INDEX `clusters_name_unique` ON `clusters` (`name`);--> statement-breakpoint
CREATE TABLE `__new_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`cluster_id` integer,
	`state` text DEFAULT 'imported' NOT NULL,
	`config` text,
	`segment_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`owner_id` integer,
	`desired_state` text,
	`chain_length` integer DEFAULT 2 NOT NULL,
	`max_auto_resubmits` integer DEFAULT 2 NOT NULL,
	`exclude_nodes` text,
	`script` text,
	`submit_options` text,
	`run_dir` text,
	`log_path` text,
	`kill_switch_path` text,
	`train_iters` integer,
	`version` integer DEFAULT 1 NOT NULL,
	`updated_at` integer,
	FOREIGN KEY (`cluster_id`) REFERENCES `clusters`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "runs_desired_state" CHECK("__new_runs"."desired_state" IS NULL OR "__new_runs"."desired_state" IN ('active', 'held', 'stopped', 'done'))
);
--> statement-breakpoint
INSERT INTO `__new_runs`("id", "name", "cluster_id", "state", "config", "segment_count", "created_at") SELECT "id", "name", "cluster_id", "state", "config", "segment_count", "created_at" FROM `runs`;--> statement-breakpoint
DROP TABLE `runs`;--> statement-breakpoint
ALTER TABLE `__new_runs` RENAME TO `runs`;--> statement-breakpoint
CREATE UNIQUE INDEX `runs_name_unique` ON `runs` (`name`);--> statement-breakpoint
CREATE TABLE `__new_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'viewer' NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer,
	`disabled_at` integer,
	`password_changed_at` integer,
	CONSTRAINT "users_role" CHECK("__new_users"."role" IN ('viewer', 'operator', 'admin'))
);
--> statement-breakpoint
INSERT INTO `__new_users`("id", "username", "password_hash", "role", "created_at") SELECT "id", "username", "password_hash", "role", "created_at" FROM `users`;--> statement-breakpoint
DROP TABLE `users`;--> statement-breakpoint
ALTER TABLE `__new_users` RENAME TO `users`;--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);