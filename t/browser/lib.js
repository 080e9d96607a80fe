'use strict';
// Headless Chromium (Debian's chromium package) driven by playwright-core,
// as a user would meet the module: the browser's own Kerberos (MIT GSSAPI,
// which Chromium loads at run time), its own NTLM, its sign-in prompt.
//
// What it records, per browser run:
//  - prompts: every time Chromium asks the user for a name and password
//    (DevTools Fetch.authRequired: the event that opens the sign-in dialog
//    in a headed browser). The harness answers like a user: it types the
//    given credentials (continueWithAuth ProvideCredentials, as Playwright's
//    httpCredentials does) for at most `answers` prompts, then gives up
//    (CancelAuth: the dialog's Cancel). Single sign-on means zero prompts.
//  - legs: every HTTP transaction of the network stack, the 401 round trips
//    of a handshake included, with what its Authorization and
//    WWW-Authenticate headers carried, and auth: what Chromium's
//    authentication code did (which GSSAPI library it loaded, the SPN it
//    asked for, the context flags, which handlers it made). Both come from
//    Chromium's own NetLog (--log-net-log with sensitive data, written to
//    the throwaway profile): the DevTools request and response events show
//    only the last leg of a handshake and no Authorization header.
//
// Used by t/browser/browse.js (the tests) and bench/browser-pageload.js.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

// Debian's chromium package: /usr/bin/chromium is a shell wrapper (it reads
// /etc/chromium.d and adds flags: extensions, GPU rasterization) around
// /usr/lib/chromium/chromium; the binary itself starts about a second
// sooner per launch here and takes every flag we need from us.
const CHROMIUM = process.env.NEGOTIATE_CHROMIUM
    || ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((f) => fs.existsSync(f));

// Flags that make Chromium quiet and usable on a machine without a
// network: no sandbox (we may run as root; the suite runs it as an
// unprivileged user without user namespaces), no GPU, no background
// connections to Google's hosts.
const BASE_ARGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// A new profile. Linux Chromium loads its GSSAPI library (and so offers
// Negotiate) only once the profile remembers having seen a Negotiate
// challenge (Local State net.received_http_auth_negotiate_headers); before
// that its first Negotiate challenge fails (ERR_UNSUPPORTED_AUTH_SCHEME; it
// sets the pref then). `negotiatePref: false` leaves it out, to show that. The policies that
// have no command-line switch are Local State prefs too (what an admin's
// policy sets): AuthNegotiateDelegateAllowlist is
// auth.negotiate_delegate_whitelist, DisableAuthNegotiateCnameLookup is
// auth.disable_negotiate_cname_lookup, EnableAuthNegotiatePort is
// auth.enable_negotiate_port (`auth` below).
function makeProfile(opts) {
    const dir = fs.mkdtempSync(path.join(opts.tmpdir || os.tmpdir(), 'neg-chromium-'));
    const state = {};
    if (opts.negotiatePref !== false) state.net = { received_http_auth_negotiate_headers: true };
    if (opts.auth) state.auth = opts.auth;
    fs.writeFileSync(path.join(dir, 'Local State'), JSON.stringify(state));
    return dir;
}

// Authorization or WWW-Authenticate value -> what it carries, e.g.
// { scheme: 'Negotiate', framing: 'spnego-init', mechs: ['ntlmssp', 'krb5'],
//   token: 'ntlmssp', ntlm_type: 1 }.
const OIDS = {
    '2a864886f712010202': 'krb5',
    '2a864882f712010202': 'krb5-ms',
    '2b06010401823702020a': 'ntlmssp',
    '2b06010401823702021e': 'negoex',
};

function describeToken(value) {
    if (!value) return null;
    const m = /^\s*(\S+)(?:\s+([A-Za-z0-9+/]+=*)\s*$)?/.exec(value);
    const d = { scheme: m[1] };
    if (!m[2]) return d;                       // a bare challenge, or realm="..."
    const buf = Buffer.from(m[2], 'base64');
    const hex = buf.toString('hex');
    d.length = buf.length;
    d.framing = buf[0] === 0x60 && hex.slice(0, 24).includes('06062b0601050502') ? 'spnego-init'
        : buf[0] === 0xa1 ? 'spnego-resp'
        : buf[0] === 0x60 ? 'gss'
        : buf.subarray(0, 8).toString('latin1') === 'NTLMSSP\0' ? 'raw' : 'other';
    d.mechs = Object.keys(OIDS).filter((o) => hex.includes(`06${(o.length / 2).toString(16).padStart(2, '0')}${o}`))
        .map((o) => OIDS[o]);
    const at = buf.indexOf('NTLMSSP\0', 0, 'latin1');
    if (at >= 0 && buf.length >= at + 12) {
        d.token = 'ntlmssp';
        d.ntlm_type = buf.readUInt32LE(at + 8);
    } else if (/2a864(886|882)f71201020201006e/.test(hex)) {
        d.token = 'krb5-ap-req';            // krb5 GSS token, TOK_ID 01 00, [APPLICATION 14]
    } else if (/2a864(886|882)f71201020202006f/.test(hex)) {
        d.token = 'krb5-ap-rep';            // TOK_ID 02 00, [APPLICATION 15]
    }
    return d;
}

// The values of one header in NetLog's list of "Name: value" lines.
function header(lines, name) {
    const prefix = `${name}:`;
    return (lines || []).filter((l) => l.toLowerCase().startsWith(prefix))
        .map((l) => l.slice(prefix.length).trim());
}

// Chromium's NetLog (JSON: constants, events) -> the HTTP transactions of
// each URL request, in order, and the authentication events.
function readNetLog(file) {
    const log = JSON.parse(fs.readFileSync(file, 'utf8'));
    const name = {};
    for (const [k, v] of Object.entries(log.constants.logEventTypes)) name[v] = k;
    const netError = {};
    for (const [k, v] of Object.entries(log.constants.netError || {})) netError[v] = k;
    const urls = new Map();         // URL_REQUEST source id -> url
    const open = new Map();         // source id -> leg waiting for its response
    const legs = [];
    const auth = [];
    for (const e of log.events) {
        const type = name[e.type];
        const p = e.params || {};
        if (type === 'URL_REQUEST_START_JOB' && p.url) {
            urls.set(e.source.id, p.url);
        } else if (type === 'HTTP_TRANSACTION_SEND_REQUEST_HEADERS') {
            const leg = { url: urls.get(e.source.id) || null, request: e.source.id, status: null,
                          authorization: describeToken(header(p.headers, 'authorization')[0]),
                          www_authenticate: [] };
            legs.push(leg);
            open.set(e.source.id, leg);
        } else if (type === 'HTTP_TRANSACTION_READ_RESPONSE_HEADERS') {
            const leg = open.get(e.source.id);
            if (!leg) continue;
            open.delete(e.source.id);
            leg.status = Number((/^HTTP\/\S+ (\d+)/.exec((p.headers || [])[0] || '') || [])[1]) || null;
            leg.www_authenticate = header(p.headers, 'www-authenticate').map(describeToken);
        } else if (/^AUTH_/.test(type) && e.params) {
            const a = { event: type, ...p };
            if (p.net_error !== undefined) a.error = netError[p.net_error] || String(p.net_error);
            auth.push(a);
        }
    }
    return { legs, auth };
}

// Start Chromium. opts:
//   allowlist        --auth-server-allowlist (Chrome's AuthServerAllowlist); null: none
//   auth             Local State auth.* prefs, e.g. { negotiate_delegate_whitelist: 'localhost' }
//   negotiatePref    false: a profile that has never seen Negotiate (see makeProfile)
//   env              the browser's environment: KRB5_CONFIG, KRB5CCNAME, NTLM_USER_FILE
//   credentials      { username, password }: what the user types at a prompt
//   answers          how many prompts the user answers before Cancel (default 1)
//   resolve          { 'www.example.test': '127.0.0.1' } host names to map
//   args             more Chromium flags
//   ignoreHTTPSErrors  the test CA is not in the profile's trust store
//   prompts          false: do not watch for prompts (no per-request pause)
//   netlog           false: no NetLog (close() returns no legs)
async function launch(opts = {}) {
    const profile = makeProfile(opts);
    const args = [...BASE_ARGS];
    if (opts.allowlist) args.push(`--auth-server-allowlist=${opts.allowlist}`);
    const rules = Object.entries(opts.resolve || {}).map(([h, ip]) => `MAP ${h} ${ip}`);
    if (rules.length) args.push(`--host-resolver-rules=${rules.join(',')}`);
    const netlog = opts.netlog === false ? null : path.join(profile, 'netlog.json');
    if (netlog) args.push(`--log-net-log=${netlog}`, '--net-log-capture-mode=IncludeSensitive');
    args.push(...(opts.args || []));
    // Only what the browser needs: no Kerberos or NTLM credentials leak in
    // from the caller's environment.
    const env = { PATH: process.env.PATH || '/usr/bin:/bin', HOME: process.env.HOME || profile,
                  LANG: 'C.UTF-8', KRB5CCNAME: 'FILE:/nonexistent', ...(opts.env || {}) };
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args,
        env,
        ignoreHTTPSErrors: !!opts.ignoreHTTPSErrors,
        viewport: { width: 800, height: 450 },
        timeout: 30000,
    });
    const page = context.pages()[0] || await context.newPage();
    const cdp = await context.newCDPSession(page);
    // prompts: of the page load under way (visit() starts a new list)
    const state = { prompts: [], answers: opts.answers ?? 1 };

    // Prompts: Fetch with handleAuthRequests pauses every request; let
    // each one go on and answer the sign-in prompts. That costs a DevTools
    // round trip per request: `prompts: false` (the benchmark) leaves it
    // out; a prompt then shows only as a failed page load.
    if (opts.prompts !== false) await watchPrompts(cdp, state, opts);

    return {
        context, page, cdp, state, profile,
        // Close the browser and read its NetLog: { legs, auth }.
        async close() {
            await context.close().catch(() => {});
            let log = { legs: [], auth: [] };
            if (netlog) {
                try { log = readNetLog(netlog); } catch (e) { log.error = `NetLog: ${e.message}`; }
            }
            fs.rmSync(profile, { recursive: true, force: true });
            return log;
        },
    };
}

async function watchPrompts(cdp, state, opts) {
    await cdp.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
    cdp.on('Fetch.requestPaused', (e) => {
        cdp.send('Fetch.continueRequest', { requestId: e.requestId }).catch(() => {});
    });
    cdp.on('Fetch.authRequired', (e) => {
        const answer = !!opts.credentials && state.prompts.length < state.answers;
        state.prompts.push({ url: e.request.url, scheme: e.authChallenge.scheme,
                             realm: e.authChallenge.realm, answered: answer });
        const response = answer
            ? { response: 'ProvideCredentials', username: opts.credentials.username,
                password: opts.credentials.password }
            : { response: 'CancelAuth' };
        cdp.send('Fetch.continueWithAuth', { requestId: e.requestId, authChallengeResponse: response })
            .catch(() => {});
    });
}

// Load url in the browser and wait for its load event (opts.waitUntil).
// Returns what a user sees: the status, the page's text, the prompts
// (opts.screenshot: a PNG of the page). What went over the wire comes from
// close(), with legs().
async function visit(b, url, opts = {}) {
    b.state.prompts = [];
    const t0 = process.hrtime.bigint();
    let response = null;
    let error = null;
    try {
        response = await b.page.goto(url, { waitUntil: opts.waitUntil || 'load', timeout: opts.timeout || 20000 });
    } catch (e) {
        error = e.message.split('\n')[0];
    }
    // opts.form: { username, password }: if the page leads to a login form
    // (#username, #password), sign in on it as a user would.
    let formShown = false;
    if (opts.form && !error) {
        try {
            await b.page.waitForSelector('#username', { timeout: opts.formTimeout || 5000 });
            formShown = true;
            await b.page.fill('#username', opts.form.username);
            await b.page.fill('#password', opts.form.password);
            const nav = b.page.waitForNavigation({ waitUntil: 'load', timeout: 20000 });
            await b.page.click('button[type=submit]');
            response = await nav;
        } catch (e) {
            if (formShown) error = e.message.split('\n')[0];
        }
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    let text = '';
    try { text = await b.page.innerText('body', { timeout: 2000 }); } catch (e) { /* no body */ }
    if (opts.screenshot) {
        fs.mkdirSync(path.dirname(opts.screenshot), { recursive: true });
        await b.page.screenshot({ path: opts.screenshot }).catch((e) => { error = error || e.message; });
    }
    return {
        url, ms, error,
        formShown,
        finalUrl: b.page.url(),
        status: response ? response.status() : null,
        text,
        prompts: b.state.prompts,
    };
}

// The legs of the visits, from close()'s NetLog: the n-th navigation to a
// URL is the n-th URL request for it. Returns one list per visit, in the
// order of `urls`.
function legsOfVisits(log, urls) {
    const requests = new Map();         // url -> [request ids in order]
    for (const l of log.legs) {
        const ids = requests.get(l.url) || [];
        if (!ids.includes(l.request)) ids.push(l.request);
        requests.set(l.url, ids);
    }
    const seen = new Map();
    return urls.map((u) => {
        const n = seen.get(u) || 0;
        seen.set(u, n + 1);
        const id = (requests.get(u) || [])[n];
        return log.legs.filter((l) => l.request === id && id !== undefined);
    });
}

module.exports = { launch, visit, legsOfVisits, describeToken, BASE_ARGS, CHROMIUM };
