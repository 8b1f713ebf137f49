"""Look and behaviour of the page: a theme with locally served fonts, the CSS, the citation script.

Gradio 6 takes all three as ``launch()`` arguments, so they live here for ``serve`` and the tests.
"""

from __future__ import annotations

import gradio as gr


def build_theme() -> gr.themes.Base:
    """Fonts served by gradio itself (no font CDN), in weights whose files cover Polish letters.

    Gradio's Source Sans Pro semi-bold file lacks lowercase letters, so only 400 and 700 are declared;
    text styled 600 then uses the 700 face instead of mixing typefaces.
    """
    return gr.themes.Default(
        primary_hue="blue",
        secondary_hue="sky",
        neutral_hue="slate",
        font=[gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono", weights=(400, 700)), "ui-monospace", "monospace"],
    )


CSS = """
.gradio-container { max-width: 1000px !important; margin: 0 auto !important; }
#rag-header h1 { margin-bottom: 0.2em; }
#rag-header p { color: var(--body-text-color-subdued); }
.rag-question { white-space: pre-wrap; }
.rag-mode { font-size: 0.8em; font-weight: 700; text-transform: uppercase; letter-spacing: 0.04em;
  padding: 0.1em 0.5em; border-radius: 999px; background: var(--color-accent-soft); margin-right: 0.3em; }
.rag-answer p, .rag-refusal p, .rag-error p { margin: 0 0 0.5em 0; }
.rag-answer ul, .rag-refusal ul { margin: 0.2em 0 0.5em 1.2em; }
.rag-heading { font-weight: 700; }
.rag-year { font-weight: 600; margin: 0.6em 0 0.2em; }
.rag-date { font-weight: 700; white-space: nowrap; }
.rag-timeline li { margin-bottom: 0.4em; }
a.rag-cite { font-weight: 700; text-decoration: none; color: var(--color-accent); padding: 0 0.1em;
  border-radius: 4px; cursor: pointer; }
a.rag-cite:hover, a.rag-cite:focus { background: var(--color-accent-soft); text-decoration: underline; }
.rag-refusal { border-left: 4px solid #0284c7; background: rgba(2, 132, 199, 0.08);
  padding: 0.6em 0.8em; border-radius: 6px; }
.rag-note { font-weight: 700; color: #0369a1; }
.dark .rag-note { color: #7dd3fc; }
.rag-error { border-left: 4px solid #d97706; background: rgba(217, 119, 6, 0.10);
  padding: 0.6em 0.8em; border-radius: 6px; }
.rag-sources { margin-top: 0.8em; border-top: 1px solid var(--border-color-primary); padding-top: 0.5em; }
.rag-sources-title { font-weight: 700; font-size: 0.9em; color: var(--body-text-color-subdued);
  margin: 0 0 0.3em 0; }
details.rag-source { border: 1px solid var(--border-color-primary); border-radius: 6px;
  margin: 0.3em 0; background: var(--background-fill-primary); scroll-margin: 80px; }
details.rag-source > summary { cursor: pointer; padding: 0.35em 0.6em; font-size: 0.92em; }
details.rag-source[open] > summary { border-bottom: 1px solid var(--border-color-primary); }
.rag-source-n { font-weight: 700; color: var(--color-accent); }
.rag-passage { padding: 0.5em 0.8em; font-size: 0.92em; line-height: 1.5; }
.rag-passage mark.rag-quote { background: var(--color-accent-soft); color: inherit; padding: 0 0.1em; }
details.rag-flash { box-shadow: 0 0 0 3px var(--color-accent-soft); transition: box-shadow 0.3s; }
"""

# Opens the source a clicked [n] points to and scrolls it into view. Delegated on the document in
# the capture phase, so it works for messages added later and before the chatbot's own link handling
# (which would open ``#…`` links in a new tab).
HEAD = """
<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest ? event.target.closest("a.rag-cite") : null;
  if (!link) { return; }
  event.preventDefault();
  event.stopPropagation();
  var source = document.getElementById(link.getAttribute("href").slice(1));
  if (!source) { return; }
  source.open = true;
  source.scrollIntoView({behavior: "smooth", block: "nearest"});
  source.classList.add("rag-flash");
  setTimeout(function () { source.classList.remove("rag-flash"); }, 1500);
}, true);
// Focus the question box once the page is built, without scrolling the title away (a plain
// ``autofocus`` scrolls the box into view), and not on a phone, where it would pop the keyboard up.
(function focusQuestion(tries) {
  var box = document.querySelector("#rag-question textarea");
  if (!box) { if (tries > 0) { setTimeout(function () { focusQuestion(tries - 1); }, 100); } return; }
  if (window.innerWidth > 600) { box.focus({preventScroll: true}); }
})(100);
</script>
"""
