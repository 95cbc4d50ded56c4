-- The message explorer searches by recipient, requestId and campaign.
CREATE INDEX messages_by_address ON messages (address);
CREATE INDEX messages_by_campaign ON messages (campaign_id, created_at);
CREATE INDEX executions_by_request ON executions (request_id);
