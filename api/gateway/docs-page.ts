// GET /docs: the interactive API reference, rendered in the browser from
// /openapi.json by Swagger UI (swagger-ui-dist's prebuilt bundle, served from
// node_modules: no CDN, the page works offline), and the socket's events
// listed from /asyncapi.json. Everything is same-origin, so the page's CSP
// allows no other host.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import Router from '@koa/router';
import type { Context } from 'koa';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Swagger UI sets style attributes as it renders.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  // "Try it out" calls the API on this origin (servers / and /api/v1).
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dating Mini App API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="stylesheet" href="/docs/docs.css">
</head>
<body>
<main>
<div id="api"></div>
<section id="socket" aria-labelledby="socket-title">
<h2 id="socket-title">Socket.IO events</h2>
<p id="socket-intro">Loading <a href="/asyncapi.json">/asyncapi.json</a>…</p>
<table id="socket-events"><thead><tr><th scope="col">event</th><th scope="col">direction</th><th scope="col">what it does</th><th scope="col">error codes</th></tr></thead><tbody></tbody></table>
</section>
</main>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/docs.js"></script>
</body>
</html>
`;

const STYLE = `#socket { max-width: 1460px; margin: 0 auto 48px; padding: 0 20px; font-family: sans-serif; color: #3b4151; }
#socket table { border-collapse: collapse; width: 100%; }
#socket th, #socket td { border-bottom: 1px solid #d9d9d9; padding: 6px 8px; text-align: left; vertical-align: top; }
#socket code { font-size: 90%; }`;

// Plain browser script (no build step): starts Swagger UI and lists the socket events.
const SCRIPT = `'use strict';
window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api', deepLinking: true, validatorUrl: null, tryItOutEnabled: false });
fetch('/asyncapi.json').then(function (r) { return r.json(); }).then(function (doc) {
  var intro = document.getElementById('socket-intro');
  intro.textContent = doc.info.description;
  var body = document.querySelector('#socket-events tbody');
  Object.keys(doc.operations).forEach(function (id) {
    var op = doc.operations[id];
    var ref = op.messages[0].$ref.split('/').pop();
    var message = doc.components.messages[ref];
    var reply = op.reply ? doc.components.messages[op.reply.messages[0].$ref.split('/').pop()] : null;
    var codes = (reply && reply['x-error-codes']) || message['x-error-codes'] || [];
    var row = document.createElement('tr');
    [message.name, op.action === 'receive' ? 'client → server (ack)' : 'server → client', op.summary || '', codes.join(', ')].forEach(function (text, i) {
      var cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.setAttribute('scope', 'row');
      if (i === 0 || i === 3) { var code = document.createElement('code'); code.textContent = text; cell.appendChild(code); } else cell.textContent = text;
      row.appendChild(cell);
    });
    body.appendChild(row);
  });
}).catch(function () {
  document.getElementById('socket-intro').textContent = 'The socket events could not be loaded: see /asyncapi.json.';
});
`;

const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const DIST_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

function send(ctx: Context, type: string, body: string | Buffer, cache: string) {
  ctx.set({ 'Cache-Control': cache, 'X-Content-Type-Options': 'nosniff' });
  ctx.type = type;
  ctx.body = body;
}

export function docsPageRouter(): Router {
  const router = new Router();
  // The renderer's files change only with its package version: read once.
  const dist = new Map<string, Buffer>();
  const distFile = (name: string) => {
    let b = dist.get(name);
    if (!b) dist.set(name, (b = fs.readFileSync(path.join(DIST, name))));
    return b;
  };
  router.get('/docs', (ctx) => {
    ctx.set({ 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer' });
    send(ctx, 'text/html; charset=utf-8', PAGE, 'no-cache');
  });
  router.get('/docs/docs.js', (ctx) => send(ctx, 'text/javascript; charset=utf-8', SCRIPT, 'no-cache'));
  router.get('/docs/docs.css', (ctx) => send(ctx, 'text/css; charset=utf-8', STYLE, 'no-cache'));
  for (const [name, type] of Object.entries(DIST_FILES)) {
    router.get(`/docs/${name}`, (ctx) => send(ctx, type, distFile(name), 'public, max-age=3600'));
  }
  return router;
}
