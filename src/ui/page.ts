// The dashboard's one HTML page: a shell that loads the Vega bundles and the
// client module from this server; everything else is drawn by the client.
import { VENDOR_SCRIPTS } from './vendor.js';

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;display:flex;min-height:100vh}
nav{width:230px;flex:none;background:#f4f5f7;border-right:1px solid #ddd;padding:1em;box-sizing:border-box}
nav h1{font-size:1.1em;margin:0 0 .2em}nav .dir{font-size:.8em;color:#666;word-break:break-all}
nav a{display:block;padding:.2em 0;color:#1f5fa8;text-decoration:none;word-break:break-all}nav h2{font-size:.85em;text-transform:uppercase;color:#666;margin:1.4em 0 .3em}
main{flex:1;padding:1em 2em;min-width:0}
table{border-collapse:collapse;margin:.6em 0 1.4em}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;font-variant-numeric:tabular-nums}
th{background:#f5f5f5}tr.differs td{background:#fff8e1}h2{margin-top:1.6em;border-bottom:1px solid #eee}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.chart{min-height:40px}.error{color:#b00020;white-space:pre-wrap}
.side-by-side{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:2em}.compare-run svg{max-width:100%;height:auto}
table.runs td{white-space:nowrap}table.runs{font-size:13px}table.runs td,table.runs th{padding:3px 6px}table.runs td:last-child span{display:block;max-width:16em;overflow:hidden;text-overflow:ellipsis}table.runs th{font-weight:600}
.headline{font-size:1.15em;margin:.4em 0}.scroll{overflow-x:auto}table.fields td:last-child{max-width:60em;overflow-wrap:anywhere}table.fields code{font-size:.9em}table.compare td{max-width:36em;overflow-wrap:anywhere}.muted{color:#777}
pre{background:#f7f7f7;padding:.8em;overflow:auto;max-height:24em}button{margin:.4em 0}
`;

export function pageHtml(projectName: string): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sixstep — ${esc(projectName)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${CSS}</style>
${VENDOR_SCRIPTS.map((s) => `<script src="${s}"></script>`).join('\n')}
<script type="module" src="/js/client.js"></script>
</head><body><nav id="nav"></nav><main id="main"><p class="muted">loading…</p></main></body></html>
`;
}
