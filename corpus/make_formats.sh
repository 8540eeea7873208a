#!/bin/sh
# Makes the DOCX and PDF versions of three seed documents, so the DOCX and PDF
# readers are tested on files a real office suite wrote. Run once by hand from any
# directory (needs LibreOffice `soffice`, python3 and fonts-noto-cjk); the tests only
# read the results. Produced with LibreOffice 7.4.7.2 on Debian.
#
# Steps per document:
#   1. TXT -> DOCX with LibreOffice's text import (UTF-8, one paragraph per line).
#   2. Add page furniture to the DOCX (a running header and/or a page-number footer)
#      and, for two of the three, a government-style body (12 pt serif, first line
#      indented two characters), by editing the DOCX's XML with python3's stdlib.
#      The PDF reader must then find and remove real headers/footers and rejoin
#      lines the layout wrapped; the DOCX reader must leave headers/footers out.
#   3. DOCX -> PDF with LibreOffice (fonts are embedded as subsets).
set -eu

CORPUS=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A private profile so a running LibreOffice or a user profile cannot interfere.
PROFILE="-env:UserInstallation=file://$WORK/profile"

# name | body style | running header text ("" = none) | footer kind
set -- \
  "000_d1701e8db34252ee|plain|关于进一步压实党组织书记大抓基层党建工作责任制的实施办法|emdash" \
  "001_96b35f2300c62106|gov||page-of" \
  "002_4a1c25df51dd8fdf|gov|做好基層黨組織分類定級工作推進基層組織建設年的實施意見|hyphen"

for spec in "$@"; do
  name=${spec%%|*}; rest=${spec#*|}
  style=${rest%%|*}; rest=${rest#*|}
  header=${rest%%|*}; footer=${rest#*|}

  # 1. TXT -> DOCX ("Text (encoded)" filter options: charset, line ending, font, language).
  soffice "$PROFILE" --headless --infilter="Text (encoded):UTF8,LF,,," \
    --convert-to docx --outdir "$WORK" "$CORPUS/$name.txt"

  # 2. Page furniture and body style.
  python3 - "$WORK/$name.docx" "$CORPUS/$name.docx" "$style" "$header" "$footer" <<'PY'
import re, sys, zipfile

src, dst, style, header, footer = sys.argv[1:]
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ' \
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

def run(text):
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'

def field(code):
    return (f'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
            f'<w:r><w:fldChar w:fldCharType="separate"/></w:r>{run("1")}'
            f'<w:r><w:fldChar w:fldCharType="end"/></w:r>')

def para(body, align="center"):
    return f'<w:p><w:pPr><w:jc w:val="{align}"/></w:pPr>{body}</w:p>'

footers = {
    "emdash": run("— ") + field("PAGE") + run(" —"),
    "hyphen": run("- ") + field("PAGE") + run(" -"),
    "page-of": run("第 ") + field("PAGE") + run(" 页 共 ") + field("NUMPAGES") + run(" 页"),
}
parts = {}
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        parts[info.filename] = z.read(info)

doc = parts["word/document.xml"].decode()
rels = parts["word/_rels/document.xml.rels"].decode()
types = parts["[Content_Types].xml"].decode()
refs = ""
if header:
    parts["word/header1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr {W}>{para(run(header))}</w:hdr>'.encode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdHdr1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>')
    types = types.replace("</Types>", '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>')
    refs += '<w:headerReference w:type="default" r:id="rIdHdr1"/>'
parts["word/footer1.xml"] = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:ftr {W}>{para(footers[footer])}</w:ftr>'.encode()
rels = rels.replace("</Relationships>", '<Relationship Id="rIdFtr1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>')
types = types.replace("</Types>", '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/></Types>')
refs += '<w:footerReference w:type="default" r:id="rIdFtr1"/>'
doc, n = re.subn(r"<w:sectPr>", "<w:sectPr>" + refs, doc)
assert n == 1, "expected one section"
doc = re.sub(r"<w:pgMar [^>]*/>", '<w:pgMar w:left="1588" w:right="1474" w:gutter="0" w:header="851" '
             'w:top="2098" w:footer="992" w:bottom="1984"/>', doc)

if style == "gov":
    styles = parts["word/styles.xml"].decode()
    pre = re.search(r'<w:style w:type="paragraph" w:styleId="PreformattedText">.*?</w:style>', styles).group(0)
    gov = (pre.replace('<w:spacing w:before="0" w:after="0"/>',
                       '<w:spacing w:before="0" w:after="0" w:line="360" w:lineRule="auto"/><w:ind w:firstLine="480"/>')
              .replace('w:ascii="DejaVu Sans Mono" w:hAnsi="DejaVu Sans Mono" w:eastAsia="Noto Sans Mono CJK SC" w:cs="DejaVu Sans Mono"',
                       'w:ascii="DejaVu Serif" w:hAnsi="DejaVu Serif" w:eastAsia="Noto Serif CJK SC" w:cs="DejaVu Serif"')
              .replace('<w:sz w:val="20"/><w:szCs w:val="20"/>', '<w:sz w:val="24"/><w:szCs w:val="24"/>'))
    assert gov != pre and "firstLine" in gov and "Noto Serif" in gov and 'w:val="24"' in gov
    parts["word/styles.xml"] = styles.replace(pre, gov).encode()

parts["word/document.xml"] = doc.encode()
parts["word/_rels/document.xml.rels"] = rels.encode()
parts["[Content_Types].xml"] = types.encode()
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for name in ["[Content_Types].xml"] + [n for n in parts if n != "[Content_Types].xml"]:
        z.writestr(name, parts[name])
PY

  # 3. DOCX -> PDF.
  soffice "$PROFILE" --headless --convert-to pdf --outdir "$CORPUS" "$CORPUS/$name.docx"
done
