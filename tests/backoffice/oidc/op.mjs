// A standards-compliant OpenID provider for the tests: panva's oidc-provider, with its
// development login and consent forms (any login name, any password). Started by
// tests/backoffice/oidc_provider.py, which gives it its settings in the environment:
//   OP_PORT, OP_CLIENT_ID, OP_CLIENT_SECRET, OP_REDIRECT_URI, OP_JWKS (its signing keys, a
//   private JWK set the test made), OP_ACCOUNTS (JSON: {"login": {claim: value, ...}}; an
//   unknown login has a subject and no other claim).
import http from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OP_ACCOUNTS || '{}');
const FISCAL = 'https://attributes.eid.gov.it/fiscal_number';

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OP_CLIENT_ID,
    client_secret: process.env.OP_CLIENT_SECRET,
    redirect_uris: [process.env.OP_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: JSON.parse(process.env.OP_JWKS),
  pkce: { required: () => true },
  cookies: { keys: ['kiosk-tests-only-cookie-key'] },
  claims: { openid: ['sub'], profile: ['given_name', 'family_name', FISCAL] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() { return { sub: id, ...(accounts[id] || {}) }; },
    };
  },
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
