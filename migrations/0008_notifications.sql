-- Notifications: an in-app inbox per account, and what each delivery channel (the log by default;
-- SMS or WeChat template messages when plugged in) did with each notification. The overdue watch:
-- the 80 % point of a case's stage (stage_warn_at), computed with the working-time calendar when the
-- stage clock starts.

-- One notification for one account. The text is a message key with its parameters, rendered in the
-- reader's language when read.
CREATE TABLE notification (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id     bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
  case_id     bigint REFERENCES cases(id) ON DELETE RESTRICT,
  kind        text   NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{1,60}$'),
  message_key text   NOT NULL CHECK (length(message_key) BETWEEN 1 AND 100),
  params      jsonb  NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(params) = 'object'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX notification_inbox_idx ON notification (user_id, (read_at IS NULL) DESC, created_at DESC, id DESC);
CREATE INDEX notification_unread_idx ON notification (user_id) WHERE read_at IS NULL;
CREATE INDEX notification_case_idx ON notification (case_id) WHERE case_id IS NOT NULL;

-- What a channel did with a notification: 'logged' (the log channel: written to the server log, not
-- sent to anyone), 'delivered' or 'failed' (with the error) for a channel that really sends.
CREATE TABLE notification_delivery (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  notification_id bigint NOT NULL REFERENCES notification(id) ON DELETE CASCADE,
  channel         text   NOT NULL CHECK (channel ~ '^[a-z][a-z0-9_]{1,30}$'),
  status          text   NOT NULL CHECK (status IN ('logged','delivered','failed')),
  attempted_at    timestamptz NOT NULL DEFAULT now(),
  error           text   CHECK (length(error) <= 1000)
);
CREATE INDEX notification_delivery_notification_idx ON notification_delivery (notification_id);

-- The overdue watch: the instant 80 % of the stage's time is used (yellow from then, red past the
-- deadline). Filled where the deadline is computed; rows of open stages from before this migration
-- get theirs from the watch on its first run (the working-time calendar lives in the server).
ALTER TABLE cases ADD COLUMN stage_warn_at timestamptz;
-- Clock-hour stages need no calendar: backfill them here.
UPDATE cases SET stage_warn_at = stage_started_at + (stage_deadline - stage_started_at) * 0.8
WHERE stage_limit_unit = 'clock_hours' AND stage_deadline IS NOT NULL AND stage_started_at IS NOT NULL;
CREATE INDEX cases_open_warn_idx ON cases (stage_warn_at) WHERE state IN ('reported','accepted','dispatched','in_progress','handled','verified');
