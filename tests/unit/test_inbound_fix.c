/* test_inbound_fix.c - the fix `inbox` and `mailbox test` give for an
 * inbox that cannot be read: imap_fix() and graph_inbox_fix(). */
#include "harness.h"

#include <string.h>

#include "graph_inbox.h"
#include "imap.h"

static void test_imap(void)
{
    static const struct {
        bool auth, xoauth2;
        const char *host, *want;
    } t[] = {
        /* LOGIN refused by Exchange Online: no Basic auth for IMAP. */
        { true, false, "outlook.office365.com", "no Basic auth for IMAP" },
        { true, false, "outlook.office365.com", "--auth xoauth2" },
        { true, false, "outlook.office365.com", "--inbound graph" },
        { true, false, "imap-mail.outlook.com.", "no Basic auth for IMAP" },
        /* XOAUTH2 refused: the app's permission or the mailbox's. */
        { true, true, "outlook.office365.com", "IMAP.AccessAsApp" },
        { true, true, "outlook.office365.com",
          "Add-MailboxPermission -Identity a@b.example" },
        /* Another server: the password. */
        { true, false, "imap.example.net", "check its password" },
        { true, false, "office365.com.example", "check its password" },
        /* Not a login problem: the connection. */
        { false, false, "outlook.office365.com", "check inbound.imap" },
        { false, true, "127.0.0.1", "check inbound.imap" },
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct imap_error e = { t[i].auth, "NO [AUTHENTICATIONFAILED]" };
        char out[512];

        imap_fix(&e, t[i].xoauth2, t[i].host, "a@b.example", out,
                 sizeof(out));
        T_OK(strstr(out, t[i].want) != NULL);
    }
}

static void test_graph(void)
{
    static const struct {
        long status;
        const char *text, *want;
    } t[] = {
        { 403, "HTTP 403 ErrorAccessDenied: Access is denied.", "Mail.Read" },
        { 403, "HTTP 403 ErrorAccessDenied: Access is denied.",
          "New-ApplicationAccessPolicy" },
        { 403, "HTTP 403 ErrorAccessDenied: Access to OData is disabled: "
               "[RAOP] : Blocked by tenant configured AppOnly AccessPolicy "
               "settings.", "not covered by the app's application access" },
        { 401, "HTTP 401 InvalidAuthenticationToken", "token was refused" },
        { 404, "HTTP 404 ErrorInvalidUser", "no such mailbox" },
        { 429, "HTTP 429 ApplicationThrottled", "read next time" },
        { 0, "Could not connect", "" },
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct graph_inbox_error e;

        memset(&e, 0, sizeof(e));
        e.status = t[i].status;
        snprintf(e.text, sizeof(e.text), "%s", t[i].text);
        if (*t[i].want)
            T_OK(strstr(graph_inbox_fix(&e), t[i].want) != NULL);
        else
            T_STR(graph_inbox_fix(&e), "");
    }
}

int main(void)
{
    T_RUN(test_imap);
    T_RUN(test_graph);
    return t_done();
}
