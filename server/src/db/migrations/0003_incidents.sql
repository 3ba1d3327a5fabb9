CREATE TABLE `incidents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`failure_kind` text,
	`title` text NOT NULL,
	`iteration` integer,
	`byte_offset` integer,
	`job_id` text,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	`body` text NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_run_key` ON `incidents` (`run_id`,`key`);--> statement-breakpoint
CREATE INDEX `incidents_run_open` ON `incidents` (`run_id`,`resolved_at`,`opened_at`);