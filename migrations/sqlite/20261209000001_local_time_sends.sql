-- Local-time sends ("09:00 in each recipient's time zone").
--
-- The wall-clock time (`2026-12-24T09:00:00`, no zone) of a schedule or a send that delivers
-- each message at that time in its recipient's zone; NULL: an ordinary send.
ALTER TABLE audience_schedules ADD COLUMN local_time TEXT;
ALTER TABLE audience_sends ADD COLUMN local_time TEXT;
-- The zone (IANA name) of recipients whose profile names none; NULL: UTC.
ALTER TABLE sandboxes ADD COLUMN time_zone TEXT;
