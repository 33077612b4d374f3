/*
 * diagnose.c - replies mapped to what is wrong and the fix.  See
 * diagnose.h.  Pure.
 *
 * Each row matches on the stage, the reply code, whether the mailbox used
 * OAuth, whether the connection was lost, and up to three texts of which
 * one must appear (case-insensitively) in the reply text or the enhanced
 * code.  Rows run from the specific to the general: the first match wins.
 *
 * A row's texts name the mailbox and its server through marks filled in
 * by fill(): {email}, {host}, {port}, {server} (host:port), and {setpw},
 * how to give this mailbox a new password from where it keeps it.
 */
#include "diagnose.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#include "banned.h"

#define ST(s) (1u << (s))
#define ANY_STAGE 0xffu
#define SMTP_STAGES (ST(STAGE_CONNECT) | ST(STAGE_TLS) | ST(STAGE_AUTH) | \
                     ST(STAGE_MAIL) | ST(STAGE_RCPT) | ST(STAGE_DATA))

enum tri { EITHER = 0, YES, NO };

struct row {
    unsigned stages;
    int code;            /* 0: any; a single digit: that class (5 = 5xx);
                            SENDER_LIMIT: a sender-side limit's reply */
    enum tri oauth;
    enum tri lost;
    enum tri graph;      /* the try went to Graph rather than SMTP */
    const char *any[3];  /* one must appear; none listed: no text needed */
    const char *id;
    const char *what;    /* marks as for fix */
    const char *fix;     /* "{email}" becomes the mailbox; see fill() */
};

/* The code column's value for what bounce_sender_limit() says is one. */
#define SENDER_LIMIT (-1)

static const char fix_new_secret[] =
    "create a new client secret (Entra admin centre > App registrations > "
    "the app > Certificates & secrets), and give mailrota its Value, not "
    "its Secret ID, through oauth.client_secret_env or "
    "oauth.client_secret_cmd";

static const char fix_tls[] =
    "check the CA bundle (tls.ca_file), that the host name in the config "
    "matches the server's certificate, and the machine's clock (a wrong "
    "date makes a valid certificate look expired or not yet valid)";

static const struct row rows[] = {
    /* ---- the token endpoint (Entra ID) ---------------------------------- */
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS7000215" },
      "client_secret_wrong",
      "Entra ID refused the client secret (AADSTS7000215)", fix_new_secret },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS7000222" },
      "client_secret_expired",
      "the app's client secret has expired (AADSTS7000222)", fix_new_secret },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS700016" },
      "client_id_unknown",
      "no application with this oauth.client_id exists in the tenant "
      "(AADSTS700016)",
      "set oauth.client_id to the app's Application (client) ID and "
      "oauth.tenant_id to its Directory (tenant) ID; an app registered in "
      "another tenant needs an administrator's consent in this one" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS90002", "AADSTS900023" },
      "tenant_unknown",
      "the tenant in oauth.tenant_id does not exist (AADSTS90002)",
      "set oauth.tenant_id to the Directory (tenant) ID shown in Entra "
      "admin centre > Overview, or to the tenant's domain "
      "(contoso.onmicrosoft.com)" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER,
      { "AADSTS1002012", "AADSTS70011", "invalid_scope" },
      "scope_invalid",
      "Entra ID refused the scope",
      "use oauth.scope https://outlook.office365.com/.default for SMTP and "
      "graph.scope https://graph.microsoft.com/.default for Graph: the "
      "client-credentials grant needs the /.default form" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS500011", "invalid_resource" },
      "resource_unknown",
      "the scope's resource is not known in the tenant (AADSTS500011)",
      "check the scope's spelling; SMTP needs Exchange Online in the "
      "tenant, and an administrator must grant consent to the app's API "
      "permissions" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "AADSTS65001", "consent" },
      "consent_missing",
      "no administrator has consented to the app's permissions",
      "Entra admin centre > App registrations > the app > API permissions > "
      "Grant admin consent" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "invalid_client" },
      "client_auth_failed",
      "Entra ID could not authenticate the app (invalid_client)",
      "check oauth.client_id and the client secret's Value" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "unauthorized_client" },
      "client_unauthorized",
      "the app may not use the client-credentials grant in this tenant "
      "(unauthorized_client)",
      "check oauth.client_id and oauth.tenant_id, and that an administrator "
      "granted consent to the app's application permissions" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "has no role" },
      "permission_missing",
      "the token lacks the application permission this mailbox needs",
      "App registrations > the app > API permissions > Add a permission: "
      "Office 365 Exchange Online > Application permissions > "
      "SMTP.SendAsApp (auth xoauth2), or Microsoft Graph > Application "
      "permissions > Mail.Send (auth graph); then Grant admin consent" },
    { ST(STAGE_TOKEN), 0, EITHER, NO, EITHER, { "oauth.", "client secret" },
      "oauth_config",
      "the OAuth settings are incomplete",
      "set oauth.tenant_id, oauth.client_id and oauth.client_secret_env "
      "(or oauth.client_secret_cmd) in the config, as the README's "
      "Microsoft 365 section shows" },
    { ST(STAGE_TOKEN), 0, EITHER, YES, EITHER, { "SSL", "certificate", "TLS" },
      "tls_problem", "TLS to the token endpoint failed", fix_tls },
    { ST(STAGE_TOKEN), 0, EITHER, YES, EITHER, { NULL },
      "token_endpoint_unreachable",
      "the token endpoint cannot be reached",
      "allow HTTPS (port 443) to login.microsoftonline.com through the "
      "firewall or proxy, and check oauth.token_url" },
    { ST(STAGE_TOKEN), 5, EITHER, NO, EITHER, { NULL },
      "token_endpoint_error",
      "Entra ID answered with a server error",
      "try again later; Microsoft's service health is at "
      "https://status.cloud.microsoft" },

    /* ---- SMTP AUTH (SPEC's table) ------------------------------------- */
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER, { "security defaults" },
      "security_defaults",
      "Security Defaults block SMTP AUTH for this tenant",
      "disable Security Defaults (Entra admin centre > Overview > "
      "Properties > Manage security defaults) or use Conditional Access "
      "instead, then wait 15-30 minutes; or move the mailbox to xoauth2 or "
      "graph" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER,
      { "SmtpClientAuthentication is disabled for the Mailbox" },
      "smtp_auth_disabled_mailbox",
      "SMTP AUTH is turned off for this mailbox",
      "in Exchange Online PowerShell: Set-CASMailbox -Identity {email} "
      "-SmtpClientAuthenticationDisabled $false" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER,
      { "SmtpClientAuthentication is disabled for the Tenant" },
      "smtp_auth_disabled_tenant",
      "SMTP AUTH is turned off for the whole tenant",
      "in Exchange Online PowerShell: Set-TransportConfig "
      "-SmtpClientAuthenticationDisabled $false (or enable it per mailbox "
      "with Set-CASMailbox), or move the mailbox to xoauth2 or graph" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER, { "did not meet the criteria" },
      "conditional_access",
      "MFA or a Conditional Access policy refused the sign-in",
      "use an app password for {email} ({setpw}), or move the mailbox to "
      "xoauth2 or graph" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER,
      { "5.7.30", "Basic authentication is not supported" },
      "basic_auth_retired",
      "Basic authentication (passwords) is retired for this tenant",
      "switch the mailbox to OAuth: mailbox set {email} --auth xoauth2 "
      "(or --auth graph), after the app registration steps in the README" },
    /* ---- the address itself ------------------------------------------- */
    { ANY_STAGE, 0, EITHER, NO, EITHER,
      { "5.1.1", "mailbox not found", "ErrorInvalidUser" },
      "address_unknown",
      "the address does not exist",
      "check {email}: it must be an existing, licensed Exchange Online "
      "mailbox (or fix the roster with mailbox set)" },

    { ST(STAGE_AUTH), 5, YES, NO, EITHER, { NULL },
      "app_smtp_permission",
      "Exchange Online refused the app's token for this mailbox",
      "app-only SMTP needs the app's Exchange service principal and a "
      "mailbox permission: New-ServicePrincipal -AppId CLIENT_ID "
      "-ObjectId ENTERPRISE_APP_OBJECT_ID, then Add-MailboxPermission "
      "-Identity {email} -User SERVICE_PRINCIPAL_ID -AccessRights "
      "FullAccess; and the app needs SMTP.SendAsApp with admin consent" },
    { ST(STAGE_AUTH), 535, NO, NO, EITHER, { NULL },
      "password_wrong",
      "the server refused the password",
      "check the password for {email}: {setpw}; with MFA on the account, "
      "use an app password (its spaces are removed)" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER, { "offered no AUTH" },
      "auth_not_offered",
      "the server at {server} offered no AUTH the mailbox can use, so "
      "nothing was sent (mailrota never sends unauthenticated)",
      "point smtp.host and smtp.port at the submission service "
      "(smtp.office365.com, 587, STARTTLS), not at a relay or a port that "
      "takes mail without AUTH; then check with 'mailrota mailbox test "
      "{email}'" },
    { ST(STAGE_AUTH), 0, EITHER, NO, EITHER, { "no AUTH mechanism" },
      "auth_mechanism_missing",
      "the server offers no AUTH mechanism this mailbox can use",
      "check smtp.host and smtp.port (smtp.office365.com, 587 with "
      "STARTTLS) and the mailbox's --auth (XOAUTH2 needs auth xoauth2)" },
    { ST(STAGE_AUTH), 0, NO, NO, EITHER,
      { "no password", "environment variable", "password command" },
      "password_missing",
      "mailrota could not get this mailbox's password",
      "export the variable the roster names (mailbox list shows env:VAR), "
      "or give a source with mailbox set {email} --password-env VAR, "
      "--password-cmd CMD or --password-stdin" },
    { ST(STAGE_AUTH), 4, EITHER, NO, EITHER, { NULL },
      "auth_temporary",
      "the server could not authenticate just now (temporary)",
      "try again later; if it lasts, check Microsoft's service health" },
    { ST(STAGE_AUTH), 5, EITHER, NO, EITHER, { NULL },
      "auth_refused",
      "the server refused authentication",
      "check the mailbox's credentials and that SMTP AUTH is allowed for "
      "{email}" },

    /* ---- Exchange Online blocks --------------------------------------- */
    { SMTP_STAGES, 0, EITHER, NO, EITHER, { "5.7.705", "5.7.708" },
      "tenant_blocked",
      "Exchange Online stopped the tenant's outbound mail (over its "
      "threshold or suspected of spam)",
      "a tenant admin checks Microsoft Defender > Restricted entities and "
      "the outbound spam policy, and opens a support case; lower the daily "
      "caps before sending again" },
    { SMTP_STAGES, 0, EITHER, NO, EITHER, { "5.7.501" },
      "sender_blocked",
      "Exchange Online banned this sender for spam",
      "Microsoft Defender > Restricted entities: check the account, "
      "release {email}, then mailbox set {email} --status cold-ready" },
    { SMTP_STAGES | ST(STAGE_HTTP), 0, EITHER, NO, EITHER,
      { "SubmissionQuotaExceeded" },
      "quota_exceeded",
      "the mailbox reached Exchange Online's daily recipient limit",
      "nothing to do: it sends again the next day; lower its daily cap "
      "if this repeats" },
    { SMTP_STAGES, SENDER_LIMIT, EITHER, NO, EITHER, { NULL },
      "quota_exceeded",
      "the mailbox reached its daily sending limit (a sender-side limit, "
      "not the recipient's fault)",
      "nothing to do: its messages wait and it sends again the next day; "
      "lower its daily cap if this repeats" },
    { ST(STAGE_MAIL), 5, EITHER, NO, EITHER, { NULL },
      "sender_refused",
      "the server refused {email} as the sender",
      "MAIL FROM must be the authenticated mailbox; check the roster's "
      "address and that the account may send as itself" },

    /* ---- TLS and the network ------------------------------------------ */
    { ST(STAGE_TLS) | ST(STAGE_CONNECT), 0, EITHER, EITHER, EITHER,
      { "STARTTLS not supported" },
      "starttls_missing",
      "the server does not offer STARTTLS (no AUTH was sent)",
      "check smtp.host and smtp.port (587 with STARTTLS); smtp.security: "
      "implicit is for port 465" },
    { ST(STAGE_TLS), 0, EITHER, EITHER, EITHER, { NULL },
      "tls_problem", "TLS failed", fix_tls },
    { ST(STAGE_CONNECT) | ST(STAGE_HTTP), 0, EITHER, YES, EITHER,
      { "SSL", "certificate" },
      "tls_problem", "TLS failed", fix_tls },
    { ST(STAGE_CONNECT), 0, EITHER, YES, YES, { NULL },
      "graph_unreachable",
      "cannot connect to Microsoft Graph (refused or timed out)",
      "allow HTTPS (port 443) to graph.microsoft.com through the firewall "
      "or proxy, and check graph.base_url" },
    { ST(STAGE_CONNECT), 421, EITHER, NO, EITHER, { NULL },
      "server_busy",
      "the server at {server} refused the connection for now (421)",
      "try again later" },
    { ST(STAGE_CONNECT), 0, EITHER, YES, EITHER, { NULL },
      "connect_failed",
      "cannot connect to {server} (refused or timed out)",
      "port {port} is blocked by a firewall or proxy (many networks and "
      "clouds block outbound SMTP), or smtp.host/smtp.port are wrong: try "
      "'nc -vz {host} {port}' from this machine, then 'mailrota mailbox "
      "test --all'" },

    /* ---- Microsoft Graph ---------------------------------------------- */
    { ST(STAGE_HTTP), 401, EITHER, NO, EITHER, { NULL },
      "graph_token_refused",
      "Graph refused the token",
      "the app needs Microsoft Graph > Application permissions > Mail.Send "
      "with admin consent; a new secret or consent can take a few minutes "
      "to apply" },
    { ST(STAGE_HTTP), 403, EITHER, NO, EITHER, { NULL },
      "graph_access_denied",
      "Graph denied sending as this mailbox",
      "grant Microsoft Graph Mail.Send (application) with admin consent; "
      "if an application access policy limits the app, add {email} to its "
      "group (check with Test-ApplicationAccessPolicy -Identity {email} "
      "-AppId CLIENT_ID)" },
    { ST(STAGE_HTTP), 429, EITHER, NO, EITHER, { NULL },
      "throttled",
      "Graph is throttling this mailbox",
      "nothing to do: mailrota waits as Retry-After asks; lower "
      "rules.max_per_minute if it lasts" },
    { ST(STAGE_HTTP), 503, EITHER, NO, EITHER, { NULL },
      "throttled",
      "Graph is busy (503)",
      "nothing to do: mailrota waits as Retry-After asks" },
};

static bool matches(const struct row *w, const struct smtp_reply *r)
{
    if (!(w->stages & ST(r->stage)))
        return false;
    if (w->code >= 100 && w->code != r->code)
        return false;
    if (w->code > 0 && w->code < 10 && r->code / 100 != w->code)
        return false;
    if ((w->oauth == YES && !r->oauth) || (w->oauth == NO && r->oauth))
        return false;
    if ((w->lost == YES && !r->conn_lost) || (w->lost == NO && r->conn_lost))
        return false;
    if ((w->graph == YES && !r->graph) || (w->graph == NO && r->graph))
        return false;
    if (w->code == SENDER_LIMIT) {
        char esc[SMTP_ENHANCED_MAX];

        bounce_effective_esc(r, esc);
        if (!bounce_sender_limit(esc, r->code))
            return false;
    }
    if (!w->any[0])
        return true;
    for (size_t i = 0; i < 3 && w->any[i]; i++)
        if (str_icontains(r->text, w->any[i]) ||
            str_icontains(r->enhanced, w->any[i]))
            return true;
    return false;
}

/* How this mailbox gets a new password, from where it keeps it. */
static void add_setpw(struct strbuf *sb, const struct diagnose_who *w)
{
    switch (w->pw) {
    case DIAGNOSE_PW_ENV:
        sb_addf(sb, "put the new password in the environment variable %s "
                "where mailrota runs (the crontab line, or the service's "
                "Environment=)", w->pw_env ? w->pw_env : "VAR");
        break;
    case DIAGNOSE_PW_CMD:
        sb_addf(sb, "update the password where its password command reads "
                "it (the command's first line of output is the password; "
                "run it by hand to check)");
        break;
    case DIAGNOSE_PW_STORED:
        sb_addf(sb, "store the new one with 'mailrota mailbox set %s "
                "--password-stdin'", w->email);
        break;
    default:
        sb_addf(sb, "give the new one with 'mailrota mailbox set %s "
                "--password-stdin' (or --password-env VAR, --password-cmd "
                "CMD)", w->email);
        break;
    }
}

/* Copies s to out[size) with its marks filled in (see the top). */
static void fill(char *out, size_t size, const char *s,
                 const struct diagnose_who *w)
{
    const char *host = w->host ? w->host : "smtp.host";
    bool v6 = strchr(host, ':') != NULL;
    struct strbuf sb;
    const char *p;

    sb_init(&sb, size - 1);
    while ((p = strchr(s, '{')) != NULL) {
        sb_add(&sb, s, (size_t)(p - s));
        if (str_starts_with(p, "{email}")) {
            sb_adds(&sb, w->email);
        } else if (str_starts_with(p, "{host}")) {
            sb_adds(&sb, host);
        } else if (str_starts_with(p, "{port}")) {
            sb_addf(&sb, "%d", w->port > 0 ? w->port : 587);
        } else if (str_starts_with(p, "{server}")) {
            sb_addf(&sb, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "",
                    w->port > 0 ? w->port : 587);
        } else if (str_starts_with(p, "{setpw}")) {
            add_setpw(&sb, w);
        } else {
            sb_addch(&sb, '{');
            s = p + 1;
            continue;
        }
        s = strchr(p, '}') + 1;
    }
    sb_adds(&sb, s);
    snprintf(out, size, "%s", sb.buf);
    sb_release(&sb);
}

bool diagnose_for(const struct smtp_reply *r, const struct diagnose_who *who,
                  struct diagnosis *d)
{
    memset(d, 0, sizeof(*d));
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (!matches(&rows[i], r))
            continue;
        d->id = rows[i].id;
        fill(d->what, sizeof(d->what), rows[i].what, who);
        fill(d->fix, sizeof(d->fix), rows[i].fix, who);
        return true;
    }
    return false;
}

bool diagnose(const struct smtp_reply *r, const char *email,
              struct diagnosis *d)
{
    struct diagnose_who who = { email, DIAGNOSE_PW_UNKNOWN, NULL, NULL, 0 };

    return diagnose_for(r, &who, d);
}

bool diagnose_microsoft_host(const char *host)
{
    static const char *const domains[] = { ".office365.com", ".outlook.com" };
    size_t n;

    if (!host)
        return false;
    n = strlen(host);
    if (n && host[n - 1] == '.')
        n--;
    for (size_t i = 0; i < sizeof(domains) / sizeof(*domains); i++) {
        size_t k = strlen(domains[i]);
        if (n > k && strncasecmp(host + n - k, domains[i], k) == 0)
            return true;
    }
    return false;
}
