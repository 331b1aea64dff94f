-- Where a subscription delivers when it is not an HTTP endpoint. NULL: an HTTP POST to url (every subscription
-- before this). Otherwise a broker destination: {"type": "rabbitmq", "exchange", "routingKey", "credentials"} or
-- {"type": "sqs", "queueUrl", "region", "serviceUrl", "credentials"}, where credentials is a Data Protection payload
-- (the amqp URI with its user and password; the SQS access key pair). url then holds the broker's address without
-- credentials (amqp://host:port/vhost, the queue URL), for display and for the per-host in-flight cap.
ALTER TABLE subscriptions ADD COLUMN destination jsonb;
