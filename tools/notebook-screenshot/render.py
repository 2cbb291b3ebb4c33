#!/usr/bin/env python3
"""Renders an executed notebook (dotnet-repl's .ipynb) to one HTML page and screenshots it with headless Chromium.

    python3 tools/notebook-screenshot/render.py executed.ipynb docs/notebook.png [--first K] [--cells N] [--height PX]

The page shows each cell's code and its outputs as the notebook recorded them. A headless run keeps every in-place
update of the live training table as its own output; only the last state of each table is kept, as a notebook shows it.
"""
import argparse, html, json, pathlib, re, subprocess, tempfile

def final_outputs(outputs):
    kept = []
    for i, o in enumerate(outputs):
        text = "".join(o.get("data", {}).get("text/html", []))
        if "fastvision-progress" in text:
            nxt = "".join(outputs[i + 1].get("data", {}).get("text/html", [])) if i + 1 < len(outputs) else ""
            # An update is superseded by the next one of the same table (which has at least as many rows).
            if "fastvision-progress" in nxt and nxt.count("<tr><td>") >= text.count("<tr><td>"):
                continue
        kept.append(o)
    return kept

def output_html(o):
    data = o.get("data", {})
    if "text/html" in data:
        return "".join(data["text/html"])
    if "text/plain" in data:
        return f"<pre>{html.escape(''.join(data['text/plain']))}</pre>"
    if "text" in o:
        return f"<pre>{html.escape(''.join(o['text']))}</pre>"
    return ""

def page(notebook, first, max_cells):
    parts = []
    for cell in notebook["cells"][first:first + max_cells]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append(f"<div class='md'><pre>{html.escape(source)}</pre></div>")
            continue
        outs = [o for o in final_outputs(cell.get("outputs", [])) if "Installing Packages" not in "".join(o.get("data", {}).get("text/html", []))]
        parts.append(f"<div class='cell'><pre class='code'>{html.escape(source)}</pre>" + "".join(f"<div class='out'>{output_html(o)}</div>" for o in outs) + "</div>")
    style = """body{font-family:'DejaVu Sans',sans-serif;font-size:13px;margin:16px;max-width:960px}
    .cell{border-left:3px solid #3c78d8;margin:10px 0;padding:4px 10px}.code{background:#f4f4f4;padding:6px;margin:0 0 6px}
    .md pre{font-family:'DejaVu Sans',sans-serif;white-space:pre-wrap;color:#333}
    table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}
    img{max-width:600px;display:block;margin:4px 0}h3{margin:4px 0;font-size:15px}h4{margin:6px 0 2px;font-size:13px}"""
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{style}</style></head><body>{''.join(parts)}</body></html>"

def main():
    args = argparse.ArgumentParser()
    args.add_argument("notebook"); args.add_argument("png")
    args.add_argument("--first", type=int, default=0); args.add_argument("--cells", type=int, default=1000); args.add_argument("--height", type=int, default=3000)
    a = args.parse_args()
    notebook = json.loads(pathlib.Path(a.notebook).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        page_file = pathlib.Path(tmp, "notebook.html")
        page_file.write_text(page(notebook, a.first, a.cells))
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size=1000,{a.height}", f"--screenshot={pathlib.Path(a.png).resolve()}", page_file.as_uri()], check=True)

if __name__ == "__main__":
    main()
