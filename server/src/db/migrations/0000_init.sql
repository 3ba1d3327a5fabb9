CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at_ms` integer NOT NULL,
	`user_id` integer,
	`action` text NOT NULL,
	`target` text,
	`details` text,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at_ms`);--> statement-breakpoint
CREATE TABLE `clusters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`kind` text DEFAULT 'slurm' NOT NULL,
	`host` text,
	`port` integer,
	`ssh_user` text,
	`settings` text,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clusters_name_unique` ON `clusters` (`name`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`log_source_id` integer NOT NULL,
	`byte_offset` integer NOT NULL,
	`line` integer NOT NULL,
	`segment` integer NOT NULL,
	`type` text NOT NULL,
	`kind` text,
	`iteration` integer,
	`time_ms` integer,
	`time_estimated` integer NOT NULL,
	`message` text,
	`payload` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`log_source_id`) REFERENCES `log_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_source_offset_type` ON `events` (`log_source_id`,`byte_offset`,`type`);--> statement-breakpoint
CREATE INDEX `events_run_type` ON `events` (`run_id`,`type`,`byte_offset`);--> statement-breakpoint
CREATE TABLE `iterations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`log_source_id` integer NOT NULL,
	`byte_offset` integer NOT NULL,
	`line` integer NOT NULL,
	`segment` integer NOT NULL,
	`is_current` integer NOT NULL,
	`iteration` integer NOT NULL,
	`train_iters` integer NOT NULL,
	`time_ms` integer,
	`time_estimated` integer NOT NULL,
	`consumed_samples` integer,
	`consumed_tokens` integer,
	`iteration_time_ms` real,
	`learning_rate` real,
	`global_batch_size` integer,
	`lm_loss` real,
	`loss_scale` real,
	`grad_norm` real,
	`num_zeros` real,
	`skipped_iterations` integer,
	`nan_iterations` integer,
	`samples_per_second` real,
	`tflops` real,
	`overhead` integer NOT NULL,
	`rank` integer,
	`extra` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`log_source_id`) REFERENCES `log_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `iterations_source_offset` ON `iterations` (`log_source_id`,`byte_offset`);--> statement-breakpoint
CREATE INDEX `iterations_run_current` ON `iterations` (`run_id`,`is_current`,`iteration`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`scheduler_job_id` text NOT NULL,
	`state` text NOT NULL,
	`node_list` text,
	`exit_code` integer,
	`submitted_at` integer,
	`started_at` integer,
	`ended_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_run_scheduler_id` ON `jobs` (`run_id`,`scheduler_job_id`);--> statement-breakpoint
CREATE TABLE `log_sources` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`job_id` integer,
	`path` text NOT NULL,
	`inode` integer,
	`size` integer DEFAULT 0 NOT NULL,
	`head_hash` text,
	`head_length` integer DEFAULT 0 NOT NULL,
	`byte_offset` integer DEFAULT 0 NOT NULL,
	`line` integer DEFAULT 1 NOT NULL,
	`ingest_state` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `log_sources_run_path` ON `log_sources` (`run_id`,`path`);--> statement-breakpoint
CREATE TABLE `node_samples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_id` integer NOT NULL,
	`time_ms` integer NOT NULL,
	`gpu_index` integer,
	`gpu_util` real,
	`mem_used_mb` real,
	`temperature_c` real,
	`ecc_errors` integer,
	FOREIGN KEY (`node_id`) REFERENCES `nodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `node_samples_node_time` ON `node_samples` (`node_id`,`time_ms`);--> statement-breakpoint
CREATE TABLE `nodes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cluster_id` integer NOT NULL,
	`name` text NOT NULL,
	`state` text,
	`gpus` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`cluster_id`) REFERENCES `clusters`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `nodes_cluster_name` ON `nodes` (`cluster_id`,`name`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`cluster_id` integer,
	`state` text DEFAULT 'imported' NOT NULL,
	`config` text,
	`segment_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`cluster_id`) REFERENCES `clusters`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runs_name_unique` ON `runs` (`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'viewer' NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE TABLE `validations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`log_source_id` integer NOT NULL,
	`byte_offset` integer NOT NULL,
	`line` integer NOT NULL,
	`segment` integer NOT NULL,
	`is_current` integer NOT NULL,
	`iteration` integer,
	`end_of_training` integer NOT NULL,
	`group_name` text NOT NULL,
	`split` text,
	`time_ms` integer,
	`time_estimated` integer NOT NULL,
	`lm_loss` real,
	`ppl` real,
	`extra` text,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`log_source_id`) REFERENCES `log_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `validations_source_offset` ON `validations` (`log_source_id`,`byte_offset`);--> statement-breakpoint
CREATE INDEX `validations_run_current` ON `validations` (`run_id`,`is_current`,`group_name`,`iteration`);