"""OCR benchmark: character error rate of Tesseract (Polish model) on rendered Polish pages.

Not a test: it prints figures for the README. Each page is Polish prose written for this benchmark,
drawn with DejaVu Sans on a white A4 page at 150 dpi (as a plain office scanner gives it), then read
three ways: the PNG itself (ingest.formats.image); the PNG inside a PDF without a text layer,
rendered back by pypdfium2 at Settings.ocr_dpi (ingest.formats.pdf); and a worn copy as a cheap
scanner or a photocopy gives it (turned 0.8°, blurred, grainy, saved as a JPEG at quality 40).
CER = Levenshtein distance / reference length, on text with whitespace runs collapsed to one space.

Run: ``python -m eval.benchmarks.bench_ocr [--size 28]`` (glyph size in pixels: 28 ≈ 13 pt, 22 ≈ 10.5 pt).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

PAGES = (
    ("Sprawozdanie z pracy klubu seniora", "W drugim kwartale klub seniora przy ulicy Żytniej zorganizował dwanaście spotkań "
     "z dietetykiem i fizjoterapeutą. Średnio przychodziło na nie dwadzieścia trzy osoby. Uczestnicy "
     "poprosili o zajęcia z obsługi smartfonów, które ruszą we wrześniu w sali na pierwszym piętrze."),
    ("Zasady przyznawania posiłku w szkole", "Dyrektor szkoły może przyznać uczniowi bezpłatny posiłek bez wywiadu środowiskowego, "
     "jeżeli rodzina zgłosi trudną sytuację. Liczba takich uczniów nie może przekroczyć dwudziestu procent "
     "wszystkich korzystających z pomocy w danym miesiącu. Wniosek składa wychowawca lub pedagog."),
    ("Notatka ze spotkania zespołu interdyscyplinarnego", "Zespół omówił sytuację czterech rodzin z osiedla Złocień. W dwóch przypadkach "
     "wszczęto procedurę Niebieskiej Karty, w jednym zaproponowano terapię dla sprawcy przemocy. Kolejne "
     "posiedzenie zaplanowano na piętnastego października o godzinie dziesiątej w sali numer sześć."),
    ("Ogłoszenie o naborze wolontariuszy", "Poszukujemy wolontariuszy do pomocy przy świątecznej zbiórce żywności. Zgłoszenia "
     "przyjmuje koordynatorka pani Ewa Śliwińska pod numerem wewnętrznym dwieście czternaście. Każdy "
     "wolontariusz otrzyma zaświadczenie oraz identyfikator z logo ośrodka i pieczątką dyrektora."),
)


def cer(reference: str, hypothesis: str) -> float:
    """Levenshtein distance per reference character (row by row: memory of one row)."""
    previous = list(range(len(hypothesis) + 1))
    for i, r in enumerate(reference, start=1):
        current = [i]
        for j, h in enumerate(hypothesis, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(reference))


def _wear(png: Path, target: Path) -> Path:
    from PIL import Image, ImageChops, ImageFilter

    with Image.open(png) as page:
        turned = page.rotate(0.8, resample=Image.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(0.6))
        grain = Image.effect_noise(turned.size, 40).point(lambda v: 255 if v > 50 else 170)
        ImageChops.darker(turned, grain).save(target, quality=40)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=28)
    args = parser.parse_args()

    import rag.offline  # noqa: F401
    from ingest.formats import extract
    from rag.config import Settings
    from rag.errors import InvalidDocument
    from tests.ingest.test_formats_fixtures import make_pdf, render_page, scan_lines

    print(f"load before: {open('/proc/loadavg').read().split()[:3]}  cpus: {os.cpu_count()}  glyph size: {args.size}px")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.load(data_dir=Path(tmp) / "data")  # an empty OCR cache: every page is read
        for number, (title, text) in enumerate(PAGES, start=1):
            png = render_page(Path(tmp) / f"strona{number}.png", scan_lines(title, "2024-05-06", text), size=args.size)
            pdf = make_pdf(Path(tmp) / f"strona{number}.pdf", pages=[("", "", "")], scanned={1: png})
            reference = " ".join(f"{title} 2024-05-06 {text}".split())
            worn = _wear(png, Path(tmp) / f"strona{number}.jpg")
            for label, path in (("png", png), ("pdf", pdf), ("worn jpg", worn)):
                started = time.perf_counter()
                try:
                    read = " ".join(extract(path, settings).text.split())
                except InvalidDocument:  # nothing read: every character missed
                    read = ""
                rows.append((number, label, cer(reference, read), time.perf_counter() - started, len(reference)))
    print("| page | read as | characters | CER | seconds |\n|---|---|---|---|---|")
    for number, label, rate, seconds, chars in rows:
        print(f"| {number} | {label} | {chars} | {rate:.2%} | {seconds:.1f} |")
    for label in ("png", "pdf", "worn jpg"):
        picked = [r for r in rows if r[1] == label]
        total = sum(r[2] * r[4] for r in picked) / sum(r[4] for r in picked)
        print(f"{label}: CER over all pages {total:.2%}, {sum(r[3] for r in picked) / len(picked):.1f} s/page")
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
