/*
 * test_diagnose.c - diagnose() on real answers from Exchange Online, Entra
 * ID and Graph (and libcurl's local errors): every row of SPEC's `mailbox
 * test` table, the AADSTS codes, and the order between rows.
 */
#include "diagnose.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#include "banned.h"

#define LEN(a) (sizeof(a) / sizeof(*(a)))

#define LOST (1 << 0)
#define OAUTH (1 << 1)
#define GRAPH (1 << 2)

struct dcase {
    enum bounce_stage stage;
    int code;
    const char *enhanced;
    const char *text;
    int flags;
    const char *id;        /* NULL: no diagnosis */
    const char *fix_has;   /* a piece of the fix, or NULL */
};

static const struct dcase cases[] = {
    /* SPEC: security defaults */
    {STAGE_AUTH, 535, "5.7.139", "5.7.139 Authentication unsuccessful, user "
     "is locked by your organization's security defaults policy. Contact "
     "your administrator.", 0, "security_defaults", "15-30 minutes"},
    /* SPEC: SMTP AUTH off for the mailbox / the tenant */
    {STAGE_AUTH, 535, "5.7.139", "5.7.139 Authentication unsuccessful, "
     "SmtpClientAuthentication is disabled for the Mailbox. Visit "
     "https://aka.ms/smtp_auth_disabled for more information.", 0,
     "smtp_auth_disabled_mailbox",
     "Set-CASMailbox -Identity brian@exzelon.com "
     "-SmtpClientAuthenticationDisabled $false"},
    {STAGE_AUTH, 535, "5.7.139", "5.7.139 Authentication unsuccessful, "
     "SmtpClientAuthentication is disabled for the Tenant. Visit "
     "https://aka.ms/smtp_auth_disabled for more information.", 0,
     "smtp_auth_disabled_tenant",
     "Set-TransportConfig -SmtpClientAuthenticationDisabled $false"},
    /* SPEC: MFA / Conditional Access */
    {STAGE_AUTH, 535, "5.7.139", "5.7.139 Authentication unsuccessful, the "
     "request did not meet the criteria to be authenticated successfully. "
     "Contact your administrator.", 0, "conditional_access",
     "app password"},
    /* SPEC: basic auth retired */
    {STAGE_AUTH, 535, "5.7.30", "5.7.30 Basic authentication is not "
     "supported for Client Submission.", 0, "basic_auth_retired",
     "--auth xoauth2"},
    {STAGE_AUTH, 535, "", "Basic authentication is not supported", 0,
     "basic_auth_retired", NULL},
    /* SPEC: 535 5.7.3 with OAuth */
    {STAGE_AUTH, 535, "5.7.3", "5.7.3 Authentication unsuccessful", OAUTH,
     "app_smtp_permission", "Add-MailboxPermission -Identity "
     "brian@exzelon.com"},
    {STAGE_AUTH, 535, "5.7.3", "5.7.3 Authentication unsuccessful", OAUTH,
     "app_smtp_permission", "New-ServicePrincipal"},
    /* SPEC: 535 otherwise */
    {STAGE_AUTH, 535, "5.7.3", "5.7.3 Authentication unsuccessful", 0,
     "password_wrong", "app password"},
    {STAGE_AUTH, 535, "5.7.139", "5.7.139 Authentication unsuccessful, the "
     "user credentials were incorrect.", 0, "password_wrong", NULL},
    {STAGE_AUTH, 535, "5.7.8", "5.7.8 Error: authentication failed: "
     "authentication failure", 0, "password_wrong", NULL},
    /* temporary and other refusals at AUTH */
    {STAGE_AUTH, 454, "4.7.0", "4.7.0 Temporary authentication failure", 0,
     "auth_temporary", NULL},
    {STAGE_AUTH, 0, "", "the server offers no AUTH mechanism mailrota can "
     "use (offered: PLAIN LOGIN)", 0, "auth_mechanism_missing", "XOAUTH2"},
    {STAGE_AUTH, 504, "5.7.4", "5.7.4 Unrecognized authentication type", 0,
     "auth_refused", NULL},
    /* SPEC: the address does not exist */
    {STAGE_RCPT, 550, "5.1.1", "5.1.1 <x@y>: Recipient address rejected: "
     "User unknown", 0, "address_unknown", NULL},
    {STAGE_AUTH, 550, "", "mailbox not found", 0, "address_unknown", NULL},
    {STAGE_HTTP, 404, "", "ErrorInvalidUser: The requested user "
     "'brian@exzelon.com' is invalid.", OAUTH, "address_unknown", NULL},
    /* SPEC: connect timeout / refused */
    {STAGE_CONNECT, 0, "", "Failed to connect to 127.0.0.1 port 9 after 0 "
     "ms: Couldn't connect to server", LOST, "connect_failed",
     "mailbox test --all"},
    {STAGE_CONNECT, 0, "", "Connection timed out after 30001 milliseconds",
     LOST, "connect_failed", "firewall"},
    {STAGE_CONNECT, 421, "4.3.2", "4.3.2 Service not available", 0,
     "server_busy", NULL},
    /* SPEC: TLS / certificate errors */
    {STAGE_TLS, 0, "", "SSL certificate problem: unable to get local issuer "
     "certificate", LOST, "tls_problem", "tls.ca_file"},
    {STAGE_TLS, 0, "", "SSL: no alternative certificate subject name "
     "matches target host name 'mail.example'", LOST, "tls_problem",
     "clock"},
    {STAGE_TLS, 0, "", "SSL certificate problem: certificate has expired",
     LOST, "tls_problem", "clock"},
    {STAGE_TLS, 0, "", "STARTTLS not supported.", LOST, "starttls_missing",
     "smtp.security"},
    {STAGE_HTTP, 0, "", "SSL certificate problem: self-signed certificate",
     LOST | OAUTH, "tls_problem", NULL},
    /* Entra ID: the AADSTS codes */
    {STAGE_TOKEN, 401, "", "invalid_client: AADSTS7000215: Invalid client "
     "secret provided. Ensure the secret being sent in the request is the "
     "client secret value, not the client secret ID", OAUTH,
     "client_secret_wrong", "Certificates & secrets"},
    {STAGE_TOKEN, 401, "", "invalid_client: AADSTS7000222: The provided "
     "client secret keys for app 'x' are expired.", OAUTH,
     "client_secret_expired", "Value"},
    {STAGE_TOKEN, 400, "", "unauthorized_client: AADSTS700016: Application "
     "with identifier 'x' was not found in the directory 'y'.", OAUTH,
     "client_id_unknown", "Application (client) ID"},
    {STAGE_TOKEN, 400, "", "invalid_request: AADSTS90002: Tenant 'nope' not "
     "found.", OAUTH, "tenant_unknown", "Directory (tenant) ID"},
    {STAGE_TOKEN, 400, "", "invalid_scope: AADSTS1002012: The provided value "
     "for scope x is not valid.", OAUTH, "scope_invalid", "/.default"},
    {STAGE_TOKEN, 400, "", "invalid_scope: AADSTS70011: The provided request "
     "must include a 'scope' input parameter.", OAUTH, "scope_invalid",
     NULL},
    {STAGE_TOKEN, 400, "", "invalid_resource: AADSTS500011: The resource "
     "principal named https://x was not found in the tenant named y.", OAUTH,
     "resource_unknown", NULL},
    {STAGE_TOKEN, 400, "", "invalid_grant: AADSTS65001: The user or "
     "administrator has not consented to use the application.", OAUTH,
     "consent_missing", "Grant admin consent"},
    {STAGE_TOKEN, 401, "", "invalid_client: AADSTS7000216: client "
     "assertion or secret required", OAUTH, "client_auth_failed", NULL},
    {STAGE_TOKEN, 400, "", "unauthorized_client: something else", OAUTH,
     "client_unauthorized", NULL},
    {STAGE_TOKEN, 0, "", "the token has no role SMTP.SendAsApp", OAUTH,
     "permission_missing", "SMTP.SendAsApp"},
    {STAGE_TOKEN, 0, "", "oauth.tenant_id is not set: put the Directory "
     "(tenant) ID of the app registration in the config", OAUTH,
     "oauth_config", NULL},
    {STAGE_TOKEN, 0, "", "client secret (oauth.client_secret_env): "
     "environment variable MAILROTA_CLIENT_SECRET is not set", OAUTH,
     "oauth_config", NULL},
    {STAGE_TOKEN, 0, "", "token endpoint unreachable: Failed to connect to "
     "127.0.0.1 port 9", LOST | OAUTH, "token_endpoint_unreachable",
     "login.microsoftonline.com"},
    {STAGE_TOKEN, 0, "", "token endpoint unreachable: SSL certificate "
     "problem: unable to get local issuer certificate", LOST | OAUTH,
     "tls_problem", NULL},
    {STAGE_TOKEN, 503, "", "temporarily_unavailable: AADSTS90033: A "
     "transient error has occurred.", OAUTH, "token_endpoint_error", NULL},
    /* Graph */
    {STAGE_HTTP, 401, "", "InvalidAuthenticationToken: Access token has "
     "expired or is not yet valid.", OAUTH, "graph_token_refused",
     "Mail.Send"},
    {STAGE_HTTP, 403, "", "ErrorAccessDenied: Access is denied. Check "
     "credentials and try again.", OAUTH, "graph_access_denied",
     "Test-ApplicationAccessPolicy -Identity brian@exzelon.com"},
    {STAGE_HTTP, 429, "", "ApplicationThrottled: Application is over its "
     "MailboxConcurrency limit.", OAUTH, "throttled", NULL},
    {STAGE_HTTP, 503, "", "ServiceUnavailable: busy", OAUTH, "throttled",
     NULL},
    /* Exchange blocks and quota, for last_error */
    {STAGE_RCPT, 550, "5.7.708", "5.7.708 Service unavailable. Access "
     "denied, traffic not accepted from this IP.", 0, "tenant_blocked",
     NULL},
    {STAGE_DATA, 550, "5.7.705", "5.7.705 Access denied, tenant has "
     "exceeded threshold", 0, "tenant_blocked", NULL},
    {STAGE_MAIL, 550, "5.7.501", "5.7.501 Access denied, spam abuse "
     "detected", 0, "sender_blocked", "--status cold-ready"},
    {STAGE_DATA, 554, "5.2.0", "5.2.0 STOREDRV.Submission.Exception:"
     "SubmissionQuotaExceededException", 0, "quota_exceeded", NULL},
    {STAGE_MAIL, 550, "5.7.60", "5.7.60 SMTP; Client does not have "
     "permissions to send as this sender", 0, "sender_refused", NULL},
    /* the other sender-side limits */
    {STAGE_RCPT, 550, "5.1.90", "5.1.90 Your message can't be sent because "
     "you've reached your daily limit for message recipients.", 0,
     "quota_exceeded", "next day"},
    {STAGE_DATA, 550, "5.4.5", "5.4.5 Daily user sending quota exceeded.", 0,
     "quota_exceeded", NULL},
    {STAGE_DATA, 554, "5.2.0", "5.2.0 quota", 0, "quota_exceeded", NULL},
    {STAGE_DATA, 550, "5.2.0", "5.2.0 mailbox unavailable", 0, NULL, NULL},
    /* no AUTH offered: never sent unauthenticated */
    {STAGE_AUTH, 0, "", "the server offered no AUTH after STARTTLS: "
     "mailrota does not send without authenticating", 0, "auth_not_offered",
     "smtp.port"},
    /* Graph out of reach is not an SMTP port problem */
    {STAGE_CONNECT, 0, "", "Failed to connect to 127.0.0.1 port 9 after 0 "
     "ms: Couldn't connect to server", LOST | OAUTH | GRAPH,
     "graph_unreachable", "graph.base_url"},
    {STAGE_CONNECT, 0, "", "Failed to connect to 127.0.0.1 port 9 after 0 "
     "ms: Couldn't connect to server", LOST | OAUTH, "connect_failed",
     "port 587"},
    {STAGE_TLS, 0, "", "SSL certificate problem: unable to get local issuer "
     "certificate", LOST | OAUTH | GRAPH, "tls_problem", NULL},
    /* no password to give */
    {STAGE_AUTH, 0, "", "environment variable 'MR_PW' is not set or empty: "
     "export it with the password before running mailrota", 0,
     "password_missing", "--password-env"},
    {STAGE_AUTH, 0, "", "password command 'pass show x' exited with status "
     "1: run it by hand to see why", 0, "password_missing", NULL},
    {STAGE_AUTH, 0, "", "no password: set one with 'mailbox set x "
     "--password-env VAR' (or --password-cmd, --password-stdin)", 0,
     "password_missing", NULL},
    /* no diagnosis: successes and recipient-level answers */
    {STAGE_DATA, 250, "2.0.0", "2.0.0 Ok: queued", 0, NULL, NULL},
    {STAGE_HTTP, 202, "", "Accepted", OAUTH, NULL, NULL},
    {STAGE_RCPT, 451, "4.7.1", "4.7.1 Try again later", 0, NULL, NULL},
};

static void test_table(void)
{
    for (size_t i = 0; i < LEN(cases); i++) {
        const struct dcase *c = &cases[i];
        struct smtp_reply r;
        struct diagnosis d;
        bool got;

        memset(&r, 0, sizeof(r));
        r.stage = c->stage;
        r.code = c->code;
        snprintf(r.enhanced, sizeof(r.enhanced), "%s", c->enhanced);
        snprintf(r.text, sizeof(r.text), "%s", c->text);
        r.conn_lost = (c->flags & LOST) != 0;
        r.oauth = (c->flags & OAUTH) != 0;
        r.graph = (c->flags & GRAPH) != 0;
        got = diagnose(&r, "brian@exzelon.com", &d);
        printf("# case %zu: %.60s\n", i, c->text);
        T_INT(got, c->id != NULL);
        T_STR(d.id, c->id);
        if (c->id) {
            T_OK(d.what[0] != '\0');
            T_OK(d.fix[0] != '\0');
            T_OK(strstr(d.fix, "{email}") == NULL);
        }
        if (c->fix_has) {
            T_OK(strstr(d.fix, c->fix_has) != NULL);
            if (!strstr(d.fix, c->fix_has))
                printf("#   fix: %s\n", d.fix);
        }
    }
}

/* The fix for the mailbox's own password source and server. */
struct wcase {
    enum bounce_stage stage;
    int code;
    const char *text;
    int flags;
    enum diagnose_pw pw;
    const char *host;
    int port;
    const char *id;
    const char *has;       /* in what or fix */
    const char *not_has;   /* in neither (NULL: no check) */
};

static const struct wcase wcases[] = {
    /* the wrong password: where this mailbox keeps it */
    {STAGE_AUTH, 535, "5.7.139 Authentication unsuccessful, the user "
     "credentials were incorrect.", 0, DIAGNOSE_PW_ENV, NULL, 0,
     "password_wrong", "environment variable MR_PW_BRIAN", "--password-stdin"},
    {STAGE_AUTH, 535, "5.7.8 Error: authentication failed", 0,
     DIAGNOSE_PW_CMD, NULL, 0, "password_wrong", "password command",
     "--password-stdin"},
    {STAGE_AUTH, 535, "5.7.8 Error: authentication failed", 0,
     DIAGNOSE_PW_STORED, NULL, 0, "password_wrong",
     "mailbox set brian@exzelon.com --password-stdin", "--password-env"},
    {STAGE_AUTH, 535, "5.7.8 Error: authentication failed", 0,
     DIAGNOSE_PW_UNKNOWN, NULL, 0, "password_wrong", "--password-stdin",
     NULL},
    {STAGE_AUTH, 535, "5.7.139 Authentication unsuccessful, the request did "
     "not meet the criteria to be authenticated successfully.", 0,
     DIAGNOSE_PW_ENV, NULL, 0, "conditional_access", "MR_PW_BRIAN",
     "--password-stdin"},
    /* OAuth is not about a password */
    {STAGE_AUTH, 535, "5.7.3 Authentication unsuccessful", OAUTH,
     DIAGNOSE_PW_ENV, NULL, 0, "app_smtp_permission", "FullAccess",
     "MR_PW_BRIAN"},
    /* a refused connection names the server and the port it used */
    {STAGE_CONNECT, 0, "Failed to connect to smtp.example.net port 2525 "
     "after 3 ms: Couldn't connect to server", LOST, DIAGNOSE_PW_ENV,
     "smtp.example.net", 2525, "connect_failed", "smtp.example.net:2525",
     "587"},
    {STAGE_CONNECT, 0, "Connection timed out after 30001 milliseconds", LOST,
     DIAGNOSE_PW_ENV, "smtp.example.net", 2525, "connect_failed",
     "nc -vz smtp.example.net 2525", "587"},
    {STAGE_CONNECT, 0, "Connection timed out after 30001 milliseconds", LOST,
     DIAGNOSE_PW_ENV, "smtp.example.net", 2525, "connect_failed",
     "mailrota mailbox test --all", NULL},
    {STAGE_CONNECT, 0, "Couldn't connect to server", LOST, DIAGNOSE_PW_ENV,
     "::1", 2525, "connect_failed", "[::1]:2525", NULL},
    {STAGE_CONNECT, 421, "4.3.2 Service not available", 0, DIAGNOSE_PW_ENV,
     "smtp.example.net", 2525, "server_busy", "smtp.example.net:2525", NULL},
    {STAGE_AUTH, 0, "the server offered no AUTH after STARTTLS: mailrota "
     "does not send without authenticating", 0, DIAGNOSE_PW_ENV,
     "relay.example.net", 25, "auth_not_offered", "relay.example.net:25",
     NULL},
};

static void test_who(void)
{
    for (size_t i = 0; i < LEN(wcases); i++) {
        const struct wcase *c = &wcases[i];
        struct diagnose_who who = { "brian@exzelon.com", c->pw,
                                    "MR_PW_BRIAN", c->host, c->port };
        struct smtp_reply r;
        struct diagnosis d;
        char both[2 * DIAGNOSE_TEXT_MAX + 2];

        memset(&r, 0, sizeof(r));
        r.stage = c->stage;
        r.code = c->code;
        snprintf(r.text, sizeof(r.text), "%s", c->text);
        bounce_parse_enhanced(r.text, r.enhanced);
        r.conn_lost = (c->flags & LOST) != 0;
        r.oauth = (c->flags & OAUTH) != 0;
        printf("# who case %zu: %.50s\n", i, c->text);
        T_OK(diagnose_for(&r, &who, &d));
        T_STR(d.id, c->id);
        snprintf(both, sizeof(both), "%s\n%s", d.what, d.fix);
        T_OK(strstr(both, c->has) != NULL);
        if (c->not_has)
            T_OK(strstr(both, c->not_has) == NULL);
        T_OK(strchr(both, '{') == NULL);
        if (!strstr(both, c->has) ||
            (c->not_has && strstr(both, c->not_has)))
            printf("#   got: %s\n", both);
    }
}

/* MC786329 is Microsoft's: only its SMTP hosts get the warning. */
static void test_microsoft_host(void)
{
    static const struct {
        const char *host;
        bool want;
    } hosts[] = {
        {"smtp.office365.com", true}, {"SMTP.Office365.COM", true},
        {"smtp.office365.com.", true}, {"outlook.office365.com", true},
        {"smtp-mail.outlook.com", true}, {"eur.smtp.outlook.com", true},
        {"office365.com", false}, {"outlook.com", false},
        {"127.0.0.1", false}, {"::1", false}, {"localhost", false},
        {"mail.example.com", false}, {"smtp.office365.com.evil.example", false},
        {"xoffice365.com", false}, {"smtp.office365.co", false},
        {"", false}, {NULL, false},
    };

    for (size_t i = 0; i < LEN(hosts); i++) {
        printf("# %s\n", hosts[i].host ? hosts[i].host : "(null)");
        T_INT(diagnose_microsoft_host(hosts[i].host), hosts[i].want);
    }
}

/* A long address still leaves a whole, terminated fix. */
static void test_long_email(void)
{
    struct smtp_reply r;
    struct diagnosis d;
    char email[260];

    memset(email, 'a', 240);
    snprintf(email + 240, sizeof(email) - 240, "@example.com");
    memset(&r, 0, sizeof(r));
    r.stage = STAGE_AUTH;
    r.code = 535;
    snprintf(r.text, sizeof(r.text), "5.7.3 Authentication unsuccessful");
    r.oauth = true;
    T_OK(diagnose(&r, email, &d));
    T_OK(strlen(d.fix) < sizeof(d.fix));
    T_OK(strstr(d.fix, email) != NULL);
}

int main(void)
{
    T_RUN(test_table);
    T_RUN(test_long_email);
    T_RUN(test_who);
    T_RUN(test_microsoft_host);
    return t_done();
}
