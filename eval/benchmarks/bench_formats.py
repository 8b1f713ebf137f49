"""Ingest throughput per format: files/s and chunks/s of a real ingest (read, chunk, embed, store).

Not a test: it prints figures for the README. For each format it writes N files built like the
format tests' fixtures (tests/ingest/test_formats_fixtures.py, each file's numbers varied so no two
are the same), ingests the folder into a fresh embedded store with the default model, and times the
whole ``Indexer.run`` (read, chunk, embed, write), and, apart, reading alone (``read_articles``: the
format's own cost, OCR included, without embedding). Scans (png, scanned pdf) run through Tesseract,
so fewer of them are made.

Run: ``python -m eval.benchmarks.bench_formats [--files 10] [--scans 3]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _builders(scans_dir: Path):
    from tests.ingest import test_formats_fixtures as f

    def varied(n: int, text: str) -> str:
        return text.replace("czterysta", f"{400 + n}").replace("ośmiu", f"{8 + n}").replace("czterdzieści", f"{40 + n}")

    def pdf(path: Path, n: int):
        f.make_pdf(path, pages=[(h, d, f"{varied(n, t)} Numer sprawy {n}.") for h, d, t in f.PDF_PAGES])

    def scanned_pdf(path: Path, n: int):
        png = f.render_page(scans_dir / f"{path.stem}.png", f.scan_lines(text=f"{f.SCAN_TEXT} Numer sprawy {n}."))
        f.make_pdf(path, pages=[("", "", "")], scanned={1: png})

    def png(path: Path, n: int):
        f.render_page(path, f.scan_lines(text=f"{f.SCAN_TEXT} Numer sprawy {n}."))

    def docx(path: Path, n: int):
        f.make_docx(path)
        import docx as python_docx

        document = python_docx.Document(str(path))
        document.add_paragraph(f"Numer sprawy {n}. " + varied(n, f.DOCX_PARAGRAPHS[1]))
        document.save(str(path))

    def odt(path: Path, n: int):
        f.make_odt(path)
        from odf import text
        from odf.opendocument import load

        document = load(str(path))
        document.text.addElement(text.P(text=f"Numer sprawy {n}. " + varied(n, f.ODT_PARAGRAPHS[1])))
        document.save(str(path))

    def html(path: Path, n: int):
        f.make_html(path)
        path.write_text(varied(n, path.read_text(encoding="utf-8")).replace("</article>", f"<p>Numer sprawy {n}.</p></article>"),
                        encoding="utf-8")

    def txt(path: Path, n: int):
        path.write_text(f.NEIGHBOUR.replace("dwa lata", f"{n + 2} lata") + f"\nNumer sprawy {n}.\n", encoding="utf-8")

    return {"txt": (txt, False), "pdf": (pdf, False), "docx": (docx, False), "odt": (odt, False),
            "html": (html, False), "png": (png, True), "pdf (scan)": (scanned_pdf, True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--scans", type=int, default=3)
    args = parser.parse_args()

    import rag.offline  # noqa: F401
    from ingest.indexer import Indexer
    from ingest.reader import read_articles
    from rag.config import Settings
    from rag.embedding import ensure_default_model

    model_dir = ensure_default_model(Settings.load())
    print(f"load before: {open('/proc/loadavg').read().split()[:3]}  cpus: {os.cpu_count()}")
    print("| format | files | chunks | read only, files/s | ingest, s | ingest, files/s | ingest, chunks/s | empty run, s |\n"
          "|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "scans").mkdir()
        (root / "empty").mkdir()
        for label, (build, is_scan) in _builders(root / "scans").items():
            folder = root / label.replace(" ", "_").replace("(", "").replace(")", "")
            folder.mkdir()
            suffix = "." + label.split()[0]
            count = args.scans if is_scan else args.files
            for n in range(count):
                build(folder / f"plik{n:03d}{suffix}", n)
            settings = Settings.load(data_dir=root / f"data_{folder.name}", model_dir=model_dir, chroma_host="")
            files = sorted(folder.iterdir())
            read_articles(files[0], settings.replace(data_dir=root / "warm"))  # the reader's library imported
            started = time.perf_counter()  # reading alone (its own empty OCR cache): the format's own cost
            for path in files:
                read_articles(path, settings.replace(data_dir=root / f"read_{folder.name}"))
            reading = time.perf_counter() - started
            started = time.perf_counter()  # an empty run: what every ingest pays (model load, store open)
            Indexer(settings, progress=False).run([root / "empty"])
            fixed = time.perf_counter() - started
            started = time.perf_counter()
            report = Indexer(settings, progress=False).run([folder])
            seconds = time.perf_counter() - started
            assert not report.errors, report.errors
            print(f"| {label} | {count} | {report.chunks_written} | {count / reading:.1f} | {seconds:.1f} | {count / seconds:.2f} | "
                  f"{report.chunks_written / seconds:.1f} | {fixed:.1f} |", flush=True)
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
