# docx-preview: render a DOCX circular to PNG pages for a look, into var/preview/.
#   make docx-preview                   # the sample circular from tests/projections/conftest.py
#   make docx-preview DOCX=path/to.docx # any other document
# Needs Debian's libreoffice-writer-nogui (or libreoffice-writer), poppler-utils and fonts-noto-cjk
# (fonts-arphic-ukai too, for a 楷体 look); mk/docx-preview-fonts.conf stands Noto CJK in for the official faces.
VENV ?= .venv
PREVIEW_DIR ?= var/preview
DOCX ?=
PREVIEW_SOURCE = $(if $(DOCX),$(DOCX),$(PREVIEW_DIR)/sample-circular.docx)
PREVIEW_STEM = $(PREVIEW_DIR)/$(basename $(notdir $(PREVIEW_SOURCE)))

.PHONY: docx-preview

docx-preview: $(VENV)/.dev-installed  ## render a DOCX (default: the sample circular) to PNG pages in var/preview/
	@command -v libreoffice >/dev/null || { echo "docx-preview needs libreoffice: apt-get install -y libreoffice-writer-nogui" >&2; exit 1; }
	@command -v pdftoppm >/dev/null || { echo "docx-preview needs pdftoppm: apt-get install -y poppler-utils" >&2; exit 1; }
	mkdir -p $(PREVIEW_DIR)
	$(if $(DOCX),,$(VENV)/bin/python -c 'import sys; from pathlib import Path; \
		from projections.reports import render; from tests.projections.conftest import sample_circular; \
		Path(sys.argv[1]).write_bytes(render(sample_circular(), "docx", "zh")[0])' $(PREVIEW_SOURCE))
	rm -f $(PREVIEW_STEM)-*.png
	FONTCONFIG_FILE=$(abspath mk/docx-preview-fonts.conf) libreoffice --headless -env:UserInstallation=file://$(abspath $(PREVIEW_DIR))/libreoffice-profile \
		--convert-to pdf --outdir $(PREVIEW_DIR) $(PREVIEW_SOURCE) >/dev/null
	pdftoppm -png -r 80 $(PREVIEW_STEM).pdf $(PREVIEW_STEM)
	@ls $(PREVIEW_STEM)-*.png
