// A minimal MCP Apps host for the browser test, built on the SDK's own host side (AppBridge). It reads
// the ui:// resource, loads it into a sandboxed iframe under the CSP the resource declares, completes
// the handshake, and forwards the app's tool calls to the real server through the test's /relay.

import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

type Json = Record<string, any>;
const log: Json = { initialized: false, calls: [] as string[], errors: [] as string[], app: null, mime: null };
(window as any).hostLog = log;

async function relay(method: string, params: Json): Promise<Json> {
  const response = await fetch("/relay", { method: "POST", body: JSON.stringify({ method, params }) });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `relay ${response.status}`);
  return body;
}

// The directives a host builds from `_meta.ui.csp`; with empty lists the app may reach nothing.
function policy(csp: Json | undefined): string {
  const connect = (csp?.connectDomains ?? []).join(" ") || "'none'";
  const resources = (csp?.resourceDomains ?? []).join(" ");
  return [
    "default-src 'none'",
    `script-src 'unsafe-inline' ${resources}`.trim(),
    `style-src 'unsafe-inline' ${resources}`.trim(),
    `img-src data: ${resources}`.trim(),
    `font-src ${resources || "'none'"}`,
    `connect-src ${connect}`,
    "frame-src 'none'",
    "base-uri 'none'",
  ].join("; ");
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const uri = params.get("uri") ?? "";
  const toolArgs = JSON.parse(params.get("args") ?? "{}");
  const tools = (await relay("tools/list", {})).tools as Json[];
  const tool = tools.find((t) => t.name === params.get("tool"));
  if (!tool || tool._meta?.ui?.resourceUri !== uri) throw new Error(`tool does not link ${uri}`);
  const content = (await relay("resources/read", { uri })).contents[0];
  log.mime = content.mimeType;
  log.csp = content._meta?.ui?.csp ?? null;
  const html = (content.text as string).replace(
    "<head>",
    `<head><meta http-equiv="Content-Security-Policy" content="${policy(content._meta?.ui?.csp)}">`,
  );
  const toolResult = await relay("tools/call", { name: tool.name, arguments: toolArgs });

  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.id = "app";
  iframe.style.cssText = "width: 100%; height: 1100px; border: 0";
  document.body.appendChild(iframe);

  const bridge = new AppBridge(
    null,
    { name: "workout-mcp-test-host", version: "1.0.0" },
    { serverTools: {}, serverResources: {}, openLinks: {} },
    { hostContext: { theme: params.get("theme") === "dark" ? "dark" : "light", displayMode: "inline" } },
  );
  bridge.oncalltool = async (call) => {
    log.calls.push(call.name);
    return (await relay("tools/call", call)) as any;
  };
  bridge.oninitialized = () => {
    log.initialized = true;
    log.app = bridge.getAppVersion() ?? null;
    bridge.sendToolInput({ arguments: toolArgs });
    bridge.sendToolResult(toolResult as any);
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  await bridge.connect(new PostMessageTransport(iframe.contentWindow!, iframe.contentWindow!));
  iframe.srcdoc = html;
}

main().catch((error) => log.errors.push(String(error?.message ?? error)));
