import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import { HeraldError } from '../../core/errors.js';
import { paramsOf, type RouteDef } from '../route.js';

/**
 * The web console: static files from the built dashboard (`dist/dashboard/`, beside `dist/src/`).
 * Only the files are public; every API call the console makes carries the credential the user
 * pasted. Files are served from one flat folder by name: a name is letters, digits, `.`, `_`
 * and `-` with a known extension, never `..`, and the file's real path (links followed) must lie
 * inside the folder, so nothing outside it can be reached.
 */
export const CONSOLE_ROOT = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_ASSET_BYTES = 4 * 1024 * 1024;

/** The console's pages run only its own scripts and styles, talk only to this server, and may not be framed. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    + "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

const notFound = (name: string): HeraldError => new HeraldError('HERALD_E_NOT_FOUND', `no console file ${name}`);

/** Part of the server itself, so one whose console was not built still answers `/` with a page that says so. */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1e3a8a"/>'
  + '<path d="M8 24V8h4v6h8V8h4v16h-4v-6h-8v6z" fill="#fff"/></svg>';
const NOT_BUILT = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>herald console</title>'
  + '<link rel="icon" href="/console/favicon.svg"></head><body><h1>The herald console is not built</h1>'
  + '<p>Run <code>npm run build</code> (it compiles <code>dashboard/</code> to <code>dist/dashboard/</code>) and reload. '
  + 'The API works without it: see <a href="/openapi.json">/openapi.json</a>.</p></body></html>';
const BUILT_IN: Record<string, string> = { 'favicon.svg': FAVICON };

/** The file `name` inside `root`, or undefined when the name is not allowed or the file is not a regular file within root. */
export async function resolveAsset(root: string, name: string | undefined): Promise<{ path: string; contentType: string } | undefined> {
  if (name === undefined || !ASSET_NAME.test(name) || name.includes('..')) return undefined;
  const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
  if (contentType === undefined) return undefined;
  try {
    const realRoot = await realpath(root);
    const path = await realpath(join(realRoot, name));
    if (!path.startsWith(realRoot + sep)) return undefined;
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_ASSET_BYTES) return undefined;
    return { path, contentType };
  } catch {
    return undefined;
  }
}

async function send(reply: FastifyReply, root: string, name: string | undefined): Promise<Buffer | string> {
  const asset = await resolveAsset(root, name);
  const builtIn = name === undefined ? undefined : (name === 'index.html' ? NOT_BUILT : BUILT_IN[name]);
  if (!asset && builtIn === undefined) throw notFound(name ?? '');
  void reply.headers({ ...SECURITY_HEADERS, 'content-type': CONTENT_TYPES[extname(name!)]! });
  if (!asset) return builtIn!;
  return readFile(asset.path).catch(() => { throw notFound(name!); });
}

export function consoleRoutes(root: string = CONSOLE_ROOT): RouteDef[] {
  return [
    {
      id: 'console', method: 'GET', url: '/', tag: 'console', permission: { kind: 'public' },
      summary: 'The web console (a static page; it asks for an API key or JWT and sends it with every API call).', response: 'text/html',
      handler: async (_req, reply) => send(reply, root, 'index.html'),
    },
    {
      id: 'consoleAsset', method: 'GET', url: '/console/:asset', tag: 'console', permission: { kind: 'public' },
      summary: 'A static file of the web console (scripts, styles, icons).', response: 'the file',
      handler: async (req, reply) => send(reply, root, paramsOf(req).asset),
    },
  ];
}
