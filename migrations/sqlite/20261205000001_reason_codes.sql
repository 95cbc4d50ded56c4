-- Why a message failed (rejected, gave_up, undelivered) or was excluded (suppressed, opted_out,
-- no_consent, past_end_date): the reasons reports break failures and exclusions down by, kept
-- on the message so the explorer lists the messages behind each of those numbers. NULL while
-- a message is queued, sending or sent. Set in the statement that fails or excludes it.
ALTER TABLE messages ADD COLUMN reason_code TEXT;

-- Messages already stored, classed as the report counters were (20261204000001_reports.sql).
UPDATE messages
   SET reason_code = CASE
         WHEN status = 'excluded' THEN
           CASE WHEN status_reason LIKE 'suppressed address:%' THEN 'suppressed'
                WHEN status_reason LIKE 'opted out of marketing%' THEN 'opted_out'
                WHEN status_reason LIKE 'no marketing consent%' THEN 'no_consent'
                ELSE 'past_end_date' END
         WHEN EXISTS (SELECT 1 FROM message_attempts a
                       WHERE a.message_id = messages.id AND a.outcome = 'sent') THEN 'undelivered'
         WHEN status_reason LIKE '%(gave up%' THEN 'gave_up'
         ELSE 'rejected' END
 WHERE status IN ('excluded', 'failed');
