// Builds the dashboard into ONE self-contained HTML file (script and styles inline, no CDN), written
// into the Python package so the wheel ships it. The file names the SHA-256 of the sources it was
// built from; a test recomputes it, so a stale committed build fails.
//
//   npm ci && npm run build                 # writes ../../src/workout_mcp/surface/apps/dashboard.html
//   node build.mjs --out <file>             # the same build elsewhere (the freshness test compares)
//   node build.mjs --host <file>            # the test host page's script (AppBridge), for the browser test

import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

// Everything the output depends on, in a fixed order.
export function sources() {
  const files = ["build.mjs", "index.html", "package-lock.json", "package.json"];
  for (const name of readdirSync(join(here, "src")).sort()) files.push(`src/${name}`);
  return files;
}

function sourceDigest() {
  const hash = createHash("sha256");
  for (const file of sources()) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(here, file)));
    hash.update("\n");
  }
  return hash.digest("hex");
}

async function bundle(entry) {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: "iife",
    minify: true,
    target: "es2022",
    platform: "browser",
    legalComments: "none",
    write: false,
    logLevel: "warning",
  });
  return result.outputFiles[0].text;
}

const host = option("--host");
if (host) {
  writeFileSync(host, await bundle("test-host/host.ts"));
} else {
  const out = option("--out") ?? join(here, "../../src/workout_mcp/surface/apps/dashboard.html");
  const script = (await bundle("src/main.ts")).replaceAll("</script", "<\\/script");
  const template = readFileSync(join(here, "index.html"), "utf8");
  const stamp = `<!-- built by apps/dashboard/build.mjs; sources sha256:${sourceDigest()} -->`;
  const html = template
    .replace("<!doctype html>", `<!doctype html>\n${stamp}`)
    .replace("<script>/*BUNDLE*/</script>", () => `<script>${script}</script>`);
  writeFileSync(out, html);
  console.log(`${relative(process.cwd(), out)}: ${html.length} bytes`);
}
