-- Delivery receipts: when a provider reports that a sent message reached the device (Twilio's
-- status callback). A sent message with a receipt shows as "delivered".
ALTER TABLE messages ADD COLUMN delivered_at INTEGER;
