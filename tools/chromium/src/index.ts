// Headless Chromium for the browser tests and the browser bench: Debian's
// /usr/bin/chromium (installed by `pnpm test`, never downloaded) driven by
// playwright-core, with one list of flags, a fresh profile per launch, and a
// local HTTP server for the pages under test, and a bundler for the code the
// pages import. Every browser test in the repository starts its browser here,
// so a flag is changed in one place.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export type { BrowserContext, Page } from 'playwright-core';

/** Where Debian's chromium package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, reproducible headless run on a machine without a GPU:
 * no sandbox (containers), no network chatter or updates, and WebGL2 / WebGPU
 * on SwiftShader (a CPU rasteriser) since --disable-gpu. playwright adds
 * --headless and --user-data-dir itself (it refuses them in `args`).
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
];

export interface LaunchOptions {
  /** Names the temporary profile directory (e.g. 'viz'), to tell runs apart in /tmp. */
  name: string;
  /** Flags added to CHROMIUM_FLAGS, e.g. '--js-flags=--expose-gc'. */
  extraArgs?: readonly string[];
  viewport?: { width: number; height: number };
  /**
   * Let Chromium use the machine's GPU: leaves out --disable-gpu and
   * --enable-unsafe-swiftshader, so WebGPU gets the hardware adapter (benches
   * on a machine with a GPU; tests keep SwiftShader).
   */
  hardwareGpu?: boolean;
  /** Browser binary (default CHROMIUM_PATH, Debian's); e.g. Google Chrome on a GPU machine. */
  executablePath?: string;
}

/** The flags that force software rendering, left out with `hardwareGpu`. */
const SOFTWARE_ONLY_FLAGS: ReadonlySet<string> = new Set(['--disable-gpu', '--enable-unsafe-swiftshader']);

export interface HeadlessChromium {
  context: BrowserContext;
  /** The context's first page (a persistent context opens one). */
  page: Page;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/** Launches Debian's Chromium headless with a fresh profile; a clear error if it is not installed. */
export async function launchChromium(options: LaunchOptions): Promise<HeadlessChromium> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!fs.existsSync(executablePath)) {
    throw new Error(
      `browser test: Chromium not found at ${executablePath}; \`pnpm test\` installs it as root, or run: sudo apt-get install chromium`,
    );
  }
  const flags = options.hardwareGpu ? CHROMIUM_FLAGS.filter((f) => !SOFTWARE_ONLY_FLAGS.has(f)) : CHROMIUM_FLAGS;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `attn-${options.name}-chromium-`));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...flags, ...(options.extraArgs ?? [])],
      ...(options.viewport ? { viewport: options.viewport } : {}),
    });
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a route returns: a body and its content type, plus any headers (COOP/COEP, say). */
export interface Response {
  body: string | Uint8Array;
  type: string;
  headers?: Record<string, string>;
}

/**
 * Response headers that make a page cross-origin isolated (COOP + COEP), so
 * it gets SharedArrayBuffer, and with it WebAssembly threads.
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export interface ServeOptions {
  /** Send CROSS_ORIGIN_ISOLATION_HEADERS with every response (a route's own headers still win). */
  crossOriginIsolated?: boolean;
}

export interface LocalServer {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  close(): Promise<void>;
}

/** Serves `route(pathname)` on 127.0.0.1 at a free port; null answers 404. */
export async function serveLocally(route: (pathname: string) => Response | null, options: ServeOptions = {}): Promise<LocalServer> {
  const common = options.crossOriginIsolated ? CROSS_ORIGIN_ISOLATION_HEADERS : {};
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    let answer: Response | null;
    try {
      answer = route(pathname);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      return;
    }
    if (!answer) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': answer.type, ...common, ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Content types by file extension, for serving a built site. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** A route serving the files under `dir` (index.html for /), never outside it. */
export function serveDirectory(dir: string): (pathname: string) => Response | null {
  const root = path.resolve(dir);
  return (pathname) => {
    const file = path.normalize(path.join(root, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(root + path.sep) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return null;
    return { body: fs.readFileSync(file), type: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' };
  };
}

/**
 * Bundles `entry` (a TypeScript file) and everything it imports into one ES
 * module for the browser, as an app's bundler would: workspace packages from
 * their TypeScript sources (the `source` condition), node:* imports left out
 * (library code imports them lazily on paths a page never takes).
 */
export function bundleForBrowser(entry: string): Uint8Array {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    external: ['node:*'],
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0].contents;
}
