"""The stylesheet every repr carries: JupyterLab's `--jp-*` colours with fallbacks, dark themes.

It also reveals the HTML form of a repr, which starts hidden: a notebook shown untrusted
strips this stylesheet, so its reader sees the text form once instead of both.
"""

CSS = """<style>
.cc-repr {
  --cc-fg: var(--jp-content-font-color0, rgba(0, 0, 0, 1));
  --cc-fg-dim: var(--jp-content-font-color2, rgba(0, 0, 0, 0.54));
  --cc-border: var(--jp-border-color2, #e0e0e0);
  --cc-bg: var(--jp-layout-color0, white);
  --cc-bg-alt: var(--jp-layout-color2, #eeeeee);
  --cc-accent: var(--jp-brand-color1, #1976d2);
  --cc-warn: var(--jp-warn-color0, #e65100);
  --cc-error: var(--jp-error-color1, #d32f2f);
  --cc-ok: var(--jp-success-color1, #388e3c);
}
html[theme="dark"] .cc-repr, html[data-theme="dark"] .cc-repr,
body[data-theme="dark"] .cc-repr, body.vscode-dark .cc-repr {
  --cc-fg: var(--jp-content-font-color0, rgba(255, 255, 255, 1));
  --cc-fg-dim: var(--jp-content-font-color2, rgba(255, 255, 255, 0.54));
  --cc-border: var(--jp-border-color2, #1f1f1f);
  --cc-bg: var(--jp-layout-color0, #111111);
  --cc-bg-alt: var(--jp-layout-color2, #313131);
  --cc-accent: var(--jp-brand-color1, #64b5f6);
  --cc-warn: var(--jp-warn-color0, #ffb74d);
  --cc-error: var(--jp-error-color1, #ef9a9a);
  --cc-ok: var(--jp-success-color1, #81c784);
}
.cc-repr { display: block; color: var(--cc-fg); font-size: var(--jp-content-font-size1, 13px);
  line-height: 1.4; max-width: min(60em, 100%); }
.cc-text-repr-fallback { display: none; }
/* the body is `hidden` until this stylesheet applies: without it, only the text shows */
.cc-repr > .cc-body[hidden] { display: block; }
.cc-repr .cc-header { display: flex; align-items: center; gap: 0.5em; margin-bottom: 0.3em; }
.cc-repr .cc-kind { font-weight: 600; }
.cc-repr .cc-dim { color: var(--cc-fg-dim); }
.cc-repr .cc-badge { border-radius: 3px; padding: 0 0.4em; font-size: 0.85em; font-weight: 600;
  border: 1px solid currentColor; }
/* solid, with dark text: unmistakable, and legible on the orange of both themes */
.cc-repr .cc-badge-emulator { background: var(--cc-warn); color: #000; border-color: transparent; }
.cc-repr .cc-badge-live { color: var(--cc-ok); }
.cc-repr .cc-badge-error { color: var(--cc-error); }
.cc-repr .cc-status-online { color: var(--cc-ok); }
.cc-repr .cc-status-offline { color: var(--cc-fg-dim); }
.cc-repr table { border-collapse: collapse; margin: 0; }
/* doubled class: outranks JupyterLab's `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td` */
.cc-repr.cc-repr th, .cc-repr.cc-repr td { text-align: left; vertical-align: top;
  padding: 0.1em 0.6em 0.1em 0; border-bottom: 1px solid var(--cc-border); }
.cc-repr th { color: var(--cc-fg-dim); font-weight: normal; }
.cc-repr thead th { font-weight: 600; color: var(--cc-fg); }
.cc-repr .cc-failure td { color: var(--cc-error); }
/* an event's kind and name stay on one line; its time wraps (between date and hour) only when
   narrow, and the detail anywhere, so the table fits a narrow notebook */
.cc-repr .cc-events td:nth-child(2), .cc-repr .cc-events td:nth-child(3) { white-space: nowrap; }
.cc-repr .cc-events td:nth-child(4) { overflow-wrap: anywhere; }
.cc-repr .cc-nowrap { white-space: nowrap; }
.cc-repr .cc-avatar { width: 2.5em; height: 2.5em; border-radius: 50%; object-fit: cover; }
.cc-repr .cc-avatar-small { width: 1.4em; height: 1.4em; border-radius: 50%; object-fit: cover; }
.cc-repr .cc-tag { background: var(--cc-bg-alt); border-radius: 3px; padding: 0 0.3em;
  margin-right: 0.2em; }
.cc-repr code { background: var(--cc-bg-alt); padding: 0 0.2em; }
.cc-repr details > summary { cursor: pointer; color: var(--cc-fg-dim); }
.cc-repr .cc-scroll { max-height: 20em; overflow-y: auto; display: flex;
  flex-direction: column-reverse; }
</style>"""
