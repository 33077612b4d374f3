-- OAuth 2.0 access tokens (client-credentials grant), shared by every
-- mailbox of a tenant and kept until shortly before they expire.  `token`
-- is AES-256-GCM ciphertext ("v1:...", the key file's key, the tenant,
-- client and scope as associated data), never the token itself.
CREATE TABLE oauth_tokens (
    tenant_id  TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    scope      TEXT NOT NULL,
    token      TEXT NOT NULL CHECK (token LIKE 'v1:%'),
    expires_at TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id, scope)
);
