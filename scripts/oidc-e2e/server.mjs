// scripts/oidc-e2e/server.mjs: a real OpenID provider (oidc-provider, a certified implementation)
// configured with dynamic registration, PKCE and resource indicators, in front of an MCP server on
// the official TypeScript SDK that validates its JWT access tokens (the SDK's requireBearerAuth with
// a verifier checking signature, issuer, audience and expiry against the provider's JWKS).
//
//   AS_PORT=… MCP_PORT=… TOKEN_TTL=seconds node server.mjs
//
// The provider's development interactions are on: its login page takes any user name and password,
// then asks for consent; scripts/oidc-e2e/browser drives both over HTTP in place of a person.
import Provider, { errors } from 'oidc-provider';
import express from 'express';
import * as jose from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';

const asPort = Number(process.env.AS_PORT);
const mcpPort = Number(process.env.MCP_PORT);
const ttl = Number(process.env.TOKEN_TTL || 60);
const issuer = `http://127.0.0.1:${asPort}`;
const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
const prmUrl = `http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource/mcp`;

const provider = new Provider(issuer, {
  scopes: ['openid', 'offline_access', 'mcp:tools'],
  features: {
    registration: { enabled: true },
    revocation: { enabled: true },
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => mcpUrl,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource) => {
        if (resource !== mcpUrl) throw new errors.InvalidTarget();
        return { scope: 'mcp:tools', audience: mcpUrl, accessTokenTTL: ttl, accessTokenFormat: 'jwt' };
      },
    },
  },
  pkce: { required: () => true },
  ttl: { AccessToken: ttl, RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 600, AuthorizationCode: 60 },
  issueRefreshToken: (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
});
provider.listen(asPort, '127.0.0.1');

const jwks = jose.createRemoteJWKSet(new URL(`${issuer}/jwks`));
const verifier = {
  async verifyAccessToken(token) {
    try {
      const { payload } = await jose.jwtVerify(token, jwks, { issuer, audience: mcpUrl });
      return { token, clientId: String(payload.client_id), scopes: String(payload.scope || '').split(' ').filter(Boolean),
        expiresAt: payload.exp, resource: new URL(mcpUrl), extra: { sub: payload.sub } };
    } catch (e) {
      throw new InvalidTokenError(`token rejected: ${e.code || e.message}`);
    }
  },
};

const app = express();
app.use(express.json());
app.get('/.well-known/oauth-protected-resource/mcp', (req, res) => {
  res.json({ resource: mcpUrl, authorization_servers: [issuer], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'] });
});
app.use('/mcp', requireBearerAuth({ verifier, requiredScopes: ['mcp:tools'], resourceMetadataUrl: prmUrl }));
app.post('/mcp', async (req, res) => {
  const server = new McpServer({ name: 'oidc-e2e', version: '1.0.0' });
  server.tool('whoami', 'says who signed in', async (extra) => ({
    content: [{ type: 'text', text: `signed in as ${extra.authInfo?.extra?.sub}` }],
  }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});
app.all('/mcp', (req, res) => res.status(405).set('Allow', 'POST').end());
app.listen(mcpPort, '127.0.0.1', () => console.log(`ready ${mcpUrl} ${issuer}`));
