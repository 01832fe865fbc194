// The OpenID provider of local runs and of the browser tests: node's oidc-provider (OpenID
// Certified), with the clients and people of accounts.json. Development only: its secrets and
// passwords are public, its signing key and sessions live in memory and die with the process.
//
//   OIDC_PROVIDER_PORT (8010)   OIDC_GATEWAY_URL (http://127.0.0.1:8000)   OIDC_ACCOUNTS (accounts.json)
//
// Started and stopped by deploy/local/stack.py, beside the services.
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PROVIDER_PORT || 8010);
const gateway = (process.env.OIDC_GATEWAY_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const issuer = `http://127.0.0.1:${port}`;
const file = process.env.OIDC_ACCOUNTS || new URL('./accounts.json', import.meta.url);
const { clients, accounts } = JSON.parse(readFileSync(file, 'utf8'));
const byLogin = new Map(accounts.map((account) => [account.login, account]));
const bySub = new Map(accounts.map((account) => [account.sub, account]));
const atGateway = (uris = []) => uris.map((uri) => uri.replaceAll('{gateway}', gateway));
const digest = (text) => createHash('sha256').update(String(text)).digest();
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A new key at each start: the gateway fetches the keys again when a token names an unknown one.
// P-256 rather than RSA: made in a millisecond, where an RSA key takes a noticeable part of a second.
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
  format: 'jwk',
});

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} – Tremplin development provider</title>
<style>
body{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#161616}
label{display:block;margin-top:1rem;font-weight:600}
input{display:block;width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #3a3a3a}
button{margin:1.5rem .5rem 0 0;padding:.6rem 1rem;font-size:1rem;background:#000091;color:#fff;border:0}
button.secondary{background:#fff;color:#000091;border:1px solid #000091}
:focus{outline:3px solid #0a76f6;outline-offset:2px}.error{color:#ce0500}
</style></head>
<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error = '', login = '') {
  const invalid = error ? ' aria-invalid="true" aria-describedby="login-error"' : '';
  return page(
    'Sign in',
    `<p>Tremplin's development provider: its accounts are in deploy/local/oidc/accounts.json.</p>
${error ? `<p id="login-error" class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login</label>
<input id="login" name="login" autocomplete="username" required value="${escape(login)}"${invalid}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${invalid}>
<button type="submit">Sign in</button>
</form>`,
  );
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function formOf(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('the form is too large');
  }
  return new URLSearchParams(body);
}

function accountFor(login, password) {
  const account = byLogin.get(login);
  // Compared in constant time, and as long for an unknown login as for a known one.
  const expected = digest(account ? account.password : randomBytes(16).toString('hex'));
  return account && timingSafeEqual(expected, digest(password)) ? account : undefined;
}

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    id_token_signed_response_alg: 'ES256',
    ...client,
    redirect_uris: atGateway(client.redirect_uris),
    post_logout_redirect_uris: atGateway(client.post_logout_redirect_uris),
  })),
  jwks: { keys: [{ ...signingKey, use: 'sig', alg: 'ES256', kid: randomBytes(8).toString('hex') }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  // The role is a claim of the profile scope; as the standard says, the provider gives scope
  // claims at its UserInfo endpoint, not in the ID token of a code flow.
  claims: { openid: ['sub'], profile: ['name', 'role'] },
  async findAccount(ctx, sub) {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, name: account.name, role: account.role };
      },
    };
  },
  // First-party clients only here: what they ask for is granted without a consent screen.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    if (grantId) return oidc.provider.Grant.find(grantId);
    const grant = new oidc.provider.Grant({
      clientId: oidc.client.clientId,
      accountId: oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 8 * 3600,
    IdToken: 600,
    Interaction: 600,
    Session: 8 * 3600,
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page(
          'Sign out',
          `<p>Sign out of the development provider as well?</p>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`,
        );
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p>You are signed out of the development provider.</p>');
      },
    },
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    const detail = [out.error, out.error_description].filter(Boolean).join(': ');
    ctx.body = page('Sign-in error', `<p>${escape(detail)}</p>`);
  },
});

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') {
    return send(res, 400, page('Sign-in error', '<p>This sign-in is not the one under way.</p>'));
  }
  if (req.method === 'GET') return send(res, 200, loginForm(uid));
  const form = await formOf(req);
  const login = form.get('login') || '';
  const account = accountFor(login, form.get('password') || '');
  if (!account) return send(res, 400, loginForm(uid, 'Unknown login or wrong password.', login));
  return provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false },
  );
}

const handle = provider.callback();
const server = createServer(async (req, res) => {
  const match = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return handle(req, res);
  try {
    await interaction(req, res, match[1]);
  } catch (error) {
    send(res, 400, page('Sign-in error', `<p>${escape(error.message)}</p>`));
  }
});
server.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider: ${issuer}, redirects to ${gateway}, ${accounts.length} accounts`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
