-- Campaign reports (the counting rule is in domain/src/report.rs). Counters are kept per
-- campaign, version, language variant and push platform, in minute rows (kept 48 hours) and
-- hour rows (kept with the campaign), and move in the transaction that changes a message or
-- records an event: a report sums a few hundred counter rows, never the messages.
CREATE TABLE report_counts (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    resolution  TEXT NOT NULL CHECK (resolution IN ('minute', 'hour')),
    -- The minute's or hour's start, ms since the epoch.
    bucket      INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    -- The language variant; '' for the default content.
    locale      TEXT NOT NULL,
    -- Push: ios or android; '' on other channels.
    platform    TEXT NOT NULL,
    metric      TEXT NOT NULL,
    -- A reason, a bounce kind or a link's URL; '' when the metric has none.
    detail      TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, resolution, bucket, version, locale, platform, metric, detail)
) STRICT, WITHOUT ROWID;
-- For the housekeeping that deletes minute rows after 48 hours.
CREATE INDEX report_counts_minutes ON report_counts (bucket) WHERE resolution = 'minute';

-- What the counters need to know of a message when it changes later (sent, opened, …).
ALTER TABLE messages ADD COLUMN campaign_version INTEGER;
ALTER TABLE messages ADD COLUMN locale TEXT;
ALTER TABLE messages ADD COLUMN platform TEXT;
-- The first open and the first click: unique opens and clicks are counted once.
ALTER TABLE messages ADD COLUMN opened_at INTEGER;
ALTER TABLE messages ADD COLUMN clicked_at INTEGER;
ALTER TABLE tracked_links ADD COLUMN clicked_at INTEGER;

UPDATE messages
   SET campaign_version = (SELECT e.campaign_version FROM executions e WHERE e.id = messages.execution_id),
       platform = CASE WHEN channel = 'push' THEN json_extract(payload, '$.platform') END,
       opened_at = (SELECT MIN(g.at) FROM engagements g WHERE g.message_id = messages.id AND g.kind = 'open'),
       clicked_at = (SELECT MIN(g.at) FROM engagements g WHERE g.message_id = messages.id AND g.kind = 'click');
UPDATE tracked_links
   SET clicked_at = (SELECT MIN(g.at) FROM engagements g
                      WHERE g.message_id = tracked_links.message_id AND g.kind = 'click'
                        AND g.url = tracked_links.url);

-- Counters for the messages already stored (hour rows only: minute rows start now), counted
-- from the messages once, by the same rule.
INSERT INTO report_counts (campaign_id, resolution, bucket, version, locale, platform, metric, detail, count)
SELECT campaign_id, 'hour', at / 3600000 * 3600000, version, locale, platform, metric, detail, COUNT(*)
  FROM (
    SELECT m.campaign_id, m.campaign_version AS version, COALESCE(m.locale, '') AS locale, COALESCE(m.platform, '') AS platform, m.created_at AS at, 'targeted' AS metric, '' AS detail
      FROM messages m
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), m.updated_at, 'excluded',
           CASE WHEN m.status_reason LIKE 'suppressed address:%' THEN 'suppressed'
                WHEN m.status_reason LIKE 'opted out of marketing%' THEN 'opted_out'
                WHEN m.status_reason LIKE 'no marketing consent%' THEN 'no_consent'
                ELSE 'past_end_date' END
      FROM messages m WHERE m.status = 'excluded'
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), a.finished_at, 'sent', ''
      FROM message_attempts a JOIN messages m ON m.id = a.message_id WHERE a.outcome = 'sent'
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), m.updated_at, 'failed',
           CASE WHEN EXISTS (SELECT 1 FROM message_attempts a
                              WHERE a.message_id = m.id AND a.outcome = 'sent') THEN 'undelivered'
                WHEN m.status_reason LIKE '%(gave up%' THEN 'gave_up'
                ELSE 'rejected' END
      FROM messages m WHERE m.status = 'failed'
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), a.finished_at, 'retried', ''
      FROM message_attempts a JOIN messages m ON m.id = a.message_id
     WHERE a.outcome = 'transient_failure'
       AND NOT (m.status = 'failed' AND a.attempt = (SELECT MAX(b.attempt) FROM message_attempts b
                                                      WHERE b.message_id = m.id))
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), a.finished_at, 'bounced',
           CASE WHEN a.detail LIKE 'SMTP reply 5%' THEN 'hard' ELSE 'soft' END
      FROM message_attempts a JOIN messages m ON m.id = a.message_id
     WHERE m.channel = 'email' AND a.outcome <> 'sent'
       AND (a.detail LIKE 'SMTP reply 5%' OR a.detail LIKE 'SMTP reply 4%')
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), m.delivered_at, 'delivered', ''
      FROM messages m WHERE m.delivered_at IS NOT NULL
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), g.at, 'opened', ''
      FROM engagements g JOIN messages m ON m.id = g.message_id WHERE g.kind = 'open'
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), m.opened_at, 'unique_opened', ''
      FROM messages m WHERE m.opened_at IS NOT NULL
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), g.at, 'clicked', COALESCE(g.url, '')
      FROM engagements g JOIN messages m ON m.id = g.message_id WHERE g.kind = 'click'
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), m.clicked_at, 'unique_clicked', ''
      FROM messages m WHERE m.clicked_at IS NOT NULL
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), l.clicked_at, 'unique_link_clicked', l.url
      FROM tracked_links l JOIN messages m ON m.id = l.message_id WHERE l.clicked_at IS NOT NULL
    UNION ALL
    SELECT m.campaign_id, m.campaign_version, COALESCE(m.locale, ''), COALESCE(m.platform, ''), o.created_at, 'unsubscribed', ''
      FROM opt_outs o JOIN messages m ON m.id = o.message_id WHERE o.source = 'unsubscribe_link'
  ) s
 GROUP BY campaign_id, at / 3600000 * 3600000, version, locale, platform, metric, detail;
