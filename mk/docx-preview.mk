# docx-preview: render a DOCX circular to PNG pages for a look, into var/preview/.
#   make docx-preview                   # the sample circular from tests/projections/conftest.py
#   make docx-preview DOCX=path/to.docx # any other document
# circular-preview: every edition a reader gets, as PNG pages in var/preview/: the sample week, a quiet week and
# one unit's edition, in Chinese and English; the DOCX and XLSX through LibreOffice, the page through Chromium.
#   make circular-preview
# Needs Debian's libreoffice-writer-nogui and libreoffice-calc-nogui (or libreoffice), poppler-utils, chromium and
# fonts-noto-cjk (fonts-arphic-ukai too, for a 楷体 look; fonts-liberation2 for English set with the widths of Times
# New Roman and Arial); mk/docx-preview-fonts.conf stands Noto CJK in for the official faces.
VENV ?= .venv
PREVIEW_DIR ?= var/preview
DOCX ?=
PREVIEW_SOURCE = $(if $(DOCX),$(DOCX),$(PREVIEW_DIR)/sample-circular.docx)
PREVIEW_STEM = $(PREVIEW_DIR)/$(basename $(notdir $(PREVIEW_SOURCE)))
PREVIEW_OFFICE = FONTCONFIG_FILE=$(abspath mk/docx-preview-fonts.conf) libreoffice --headless \
	-env:UserInstallation=file://$(abspath $(PREVIEW_DIR))/libreoffice-profile
CHROMIUM ?= /usr/bin/chromium
EDITIONS = sample quiet unit

.PHONY: docx-preview circular-preview

docx-preview: $(VENV)/.dev-installed  ## render a DOCX (default: the sample circular) to PNG pages in var/preview/
	@command -v libreoffice >/dev/null || { echo "docx-preview needs libreoffice: apt-get install -y libreoffice-writer-nogui" >&2; exit 1; }
	@command -v pdftoppm >/dev/null || { echo "docx-preview needs pdftoppm: apt-get install -y poppler-utils" >&2; exit 1; }
	mkdir -p $(PREVIEW_DIR)
	$(if $(DOCX),,$(VENV)/bin/python -c 'import sys; from pathlib import Path; \
		from projections.reports import render; from tests.projections.conftest import sample_circular; \
		Path(sys.argv[1]).write_bytes(render(sample_circular(), "docx", "zh")[0])' $(PREVIEW_SOURCE))
	rm -f $(PREVIEW_STEM)-*.png
	$(PREVIEW_OFFICE) --convert-to pdf --outdir $(PREVIEW_DIR) $(PREVIEW_SOURCE) >/dev/null
	pdftoppm -png -r 80 $(PREVIEW_STEM).pdf $(PREVIEW_STEM)
	@ls $(PREVIEW_STEM)-*.png

circular-preview: $(VENV)/.dev-installed  ## every edition and format of the sample circular as PNG in var/preview/
	@command -v libreoffice >/dev/null || { echo "circular-preview needs libreoffice" >&2; exit 1; }
	@command -v pdftoppm >/dev/null || { echo "circular-preview needs pdftoppm: apt-get install -y poppler-utils" >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "circular-preview needs $(CHROMIUM): apt-get install -y chromium" >&2; exit 1; }
	mkdir -p $(PREVIEW_DIR)
	rm -f $(PREVIEW_DIR)/edition-*
	$(VENV)/bin/python -c 'import sys; from pathlib import Path; from projections.reports import render; \
		from tests.projections import conftest as c; \
		editions = {"sample": c.sample_circular, "quiet": c.quiet_week, "unit": c.unit_edition}; \
		[Path(f"$(PREVIEW_DIR)/edition-{name}-{lang}-{fmt}.{fmt}").write_bytes(render(make(), fmt, lang)[0]) \
		 for name, make in editions.items() for lang in ("zh", "en") for fmt in ("docx", "xlsx", "html")]'
	$(PREVIEW_OFFICE) --convert-to pdf --outdir $(PREVIEW_DIR) $(PREVIEW_DIR)/edition-*.docx $(PREVIEW_DIR)/edition-*.xlsx >/dev/null
	for pdf in $(PREVIEW_DIR)/edition-*.pdf; do pdftoppm -png -r 80 $$pdf $${pdf%.pdf}; done
	for page in $(PREVIEW_DIR)/edition-*.html; do \
		$(CHROMIUM) --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=$(abspath $(PREVIEW_DIR))/chromium-profile \
			--screenshot=$(abspath $${page%.html}).png --window-size=1280,2600 file://$(abspath .)/$$page 2>/dev/null; done
	@ls $(PREVIEW_DIR)/edition-*.png
