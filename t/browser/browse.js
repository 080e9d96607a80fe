#!/usr/bin/env node
'use strict';
// Page loads in one fresh headless Chromium, for the integration tests
// (t/80_browser.t, through NegTest::browser). The scenario is a JSON
// object (argv[2]): the browser's options (see launch() in lib.js:
// allowlist, auth, negotiatePref, env, credentials, answers, resolve, args,
// ignoreHTTPSErrors) and
//   visits: [{ url, screenshot, form }]   pages to load one after the other
//                                   (form: { username, password } to sign in
//                                   on a login form the page leads to)
//                                   (the scheme, host and port come from url)
// Prints one JSON object:
//   visits: [{ url, status, text (the page's body as a user reads it),
//              prompts (each sign-in prompt: scheme, answered),
//              legs (every HTTP transaction of that page load: status,
//                    what its Authorization and WWW-Authenticate carried),
//              ms, error }]
//   auth: Chromium's authentication events (GSSAPI library, SPN, flags, errors)
//   total_ms
// Exit status 0 unless the browser could not run.
const { launch, visit, legsOfVisits } = require('./lib');

async function main() {
    const sc = JSON.parse(process.argv[2] || '{}');
    if (!Array.isArray(sc.visits) || !sc.visits.length) {
        throw new Error('usage: browse.js \'{"visits": [{"url": ...}], ...}\'');
    }
    const t0 = Date.now();
    const b = await launch(sc);
    const visits = [];
    try {
        for (const v of sc.visits) visits.push(await visit(b, v.url, v));
    } finally {
        const log = await b.close();
        legsOfVisits(log, visits.map((v) => v.url)).forEach((legs, i) => { visits[i].legs = legs; });
        const result = { visits, auth: log.auth, error: log.error || null, total_ms: Date.now() - t0 };
        process.stdout.write(JSON.stringify(result) + '\n');
    }
}

main().catch((e) => {
    process.stderr.write(`browse.js: ${e.stack || e}\n`);
    process.exit(2);
});
