#!/usr/bin/env node
'use strict';
// bench/browser-pageload.js - the page-load part of bench/browser-pageload.sh
// (which starts httpd and the domain; see there). One headless Chromium per
// mode, each loading the same page (HTML + 40 images) under its own path,
// in interleaved rounds, with the browser cache off so that every load
// fetches every image. Per mode it reports the extra 401 round trips per
// page load (from Chromium's NetLog: every leg of every request) and the
// load time (navigation to the load event), and the ratio of the median
// load time to the static page's.
//
// argv[2]: JSON { base, page, images, loads, warmup, allowlist, env,
//                 modes: [{ name, path }] }   (the first mode is the reference)
// Prints a table; exit status 1 if any load failed (status not 200, an
// image missing).
const { launch, visit } = require('../t/browser/lib');

function median(a) {
    const s = [...a].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// The legs of each page load: loads are sequential, so a new request for
// the page itself starts the next one.
function legsPerLoad(legs, pageUrl) {
    const loads = [];
    let seen = new Set();
    for (const l of legs) {
        if (l.url === pageUrl && !seen.has(l.request)) {
            loads.push([]);
            seen = new Set([l.request]);
        }
        if (loads.length) loads[loads.length - 1].push(l);
    }
    return loads;
}

async function main() {
    const o = JSON.parse(process.argv[2]);
    const browsers = [];
    for (const m of o.modes) {
        const b = await launch({ allowlist: o.allowlist, env: o.env, prompts: false });
        await b.cdp.send('Network.enable');
        await b.cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
        browsers.push({ mode: m, b, url: `${o.base}${m.path}${o.page}`, ms: [], failures: [] });
    }
    const total = o.warmup + o.loads;
    for (let i = 0; i < total; i++) {
        for (const x of browsers) {
            const r = await visit(x.b, x.url);
            const images = await x.b.page.evaluate(
                () => [...document.images].filter((img) => img.complete && img.naturalWidth > 0).length)
                .catch(() => -1);
            // (a prompt would show as a 401 page or missing images: headless
            // Chromium cancels it)
            if (r.status !== 200 || images !== o.images || r.error) {
                x.failures.push(`load ${i + 1}: status ${r.status}, ${images}/${o.images} images`
                                + `${r.error ? `, ${r.error}` : ''}`);
            }
            if (i >= o.warmup) x.ms.push(r.ms);
        }
    }
    let failed = false;
    const ref = browsers[0];
    const rows = [];
    for (const x of browsers) {
        const log = await x.b.close();
        const loads = legsPerLoad(log.legs, x.url);
        const extra = loads.map((ls) => ls.filter((l) => l.status === 401).length);
        const measured = extra.slice(o.warmup);
        rows.push({
            mode: x.mode.name,
            path: x.mode.path,
            first: extra[0],
            per_page: measured.reduce((a, b) => a + b, 0) / (measured.length || 1),
            requests: loads.slice(o.warmup).map((ls) => ls.length).reduce((a, b) => a + b, 0)
                / (measured.length || 1),
            median: median(x.ms),
            min: Math.min(...x.ms),
            max: Math.max(...x.ms),
            failures: x.failures,
            loads_seen: loads.length,
        });
    }
    const refMedian = rows[0].median;
    const pad = (s, n) => String(s).padEnd(n);
    const num = (v, d = 1) => v.toFixed(d);
    console.log(`${o.loads} measured loads per mode after ${o.warmup} warm-up loads, `
                + `${o.images} images per page, browser cache off; modes interleaved`);
    console.log(`${pad('mode', 9)}${pad('path', 11)}${pad('401s/page', 11)}${pad('first load', 12)}`
                + `${pad('legs/page', 11)}${pad('median ms', 11)}${pad('min-max ms', 14)}ratio`);
    for (const r of rows) {
        console.log(`${pad(r.mode, 9)}${pad(r.path, 11)}${pad(num(r.per_page), 11)}${pad(r.first, 12)}`
                    + `${pad(num(r.requests), 11)}${pad(num(r.median), 11)}`
                    + `${pad(`${num(r.min, 0)}-${num(r.max, 0)}`, 14)}${num(r.median / refMedian, 2)}`);
        if (r.loads_seen !== o.warmup + o.loads) {
            console.log(`  ${r.mode}: the NetLog shows ${r.loads_seen} page loads, not ${o.warmup + o.loads}`);
            failed = true;
        }
        for (const f of r.failures) {
            console.log(`  ${r.mode}: FAILED ${f}`);
            failed = true;
        }
    }
    console.log(`ratio: median load time / ${ref.mode.name}'s; 401s/page: extra round trips per `
                + 'measured load; first load: 401s of the very first load (new connections)');
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    process.stderr.write(`browser-pageload.js: ${e.stack || e}\n`);
    process.exit(2);
});
