# Installers (issue 8). Included by the Makefile; run from the repository root.
#   make package         dist/: Mailshift.exe, Mailshift-VERSION-setup.exe,
#                        Mailshift-VERSION-linux-amd64.tar.xz, mailshift_VERSION_amd64.deb
#   make package-check   proves those files are what they claim (see check-*.sh)
# SIGN_CERT and SIGN_KEY (PEM files; SIGN_PASS_FILE for a passphrase) sign the
# Windows files with osslsigncode; without them the build says it is unsigned.

PKG := assets/package
DIST ?= dist
FYNE_TOOLS_VERSION ?= v1.7.4
PUBLISHER ?= Mailshift
MAINTAINER ?= Mailshift packaging <packaging@mailshift.invalid>
# One version for everything: FyneApp.toml's [Details] Version (and Build).
PKG_VERSION := $(shell sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
PKG_BUILD := $(shell sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' FyneApp.toml)
PKG_HOMEPAGE := $(shell sed -n 's/^[[:space:]]*Website[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
PKG_SRC := $(DIST)/build/src
FYNE_TOOL := $(DIST)/tools/fyne-$(FYNE_TOOLS_VERSION)

.PHONY: package package-windows package-linux package-check deps-package package-src

## package: Windows setup.exe and Linux .deb / tar.xz under dist/ (version from FyneApp.toml)
package: package-windows package-linux
	@echo "make package: version $(PKG_VERSION) (build $(PKG_BUILD))"
	@ls -l $(DIST)/Mailshift.exe $(DIST)/Mailshift-$(PKG_VERSION)-setup.exe \
	  $(DIST)/Mailshift-$(PKG_VERSION)-linux-amd64.tar.xz $(DIST)/mailshift_$(PKG_VERSION)_amd64.deb

deps-package:
	@.ci/deps package

package-src:
	@test -n "$(PKG_VERSION)" || { echo "no Version in FyneApp.toml"; exit 1; }
	$(PKG)/stage-src.sh . $(PKG_SRC)

package-windows: deps-package package-src
	$(PKG)/build-windows.sh $(PKG_SRC) $(DIST) "$(PKG_VERSION)" "$(PKG_BUILD)" "$(PUBLISHER)"

# The fyne tool is installed into dist/tools (a throwaway GOBIN), pinned.
$(FYNE_TOOL):
	mkdir -p $(DIST)/tools/bin
	GOBIN=$(abspath $(DIST)/tools/bin) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION)
	mv $(DIST)/tools/bin/fyne $@

package-linux: deps-package package-src $(FYNE_TOOL)
	$(PKG)/build-linux.sh $(PKG_SRC) $(DIST) "$(PKG_VERSION)" $(abspath $(FYNE_TOOL)) \
	  "$(MAINTAINER)" "$(PKG_HOMEPAGE)" .

## package-check: prove the installers (PE resources, NSIS, .deb, Wine, signing); CI can run it
package-check: package
	$(GO) test -count=1 ./$(PKG)/...
	$(PKG)/check-linux.sh $(DIST) "$(PKG_VERSION)"
	$(PKG)/check-windows.sh $(DIST) "$(PKG_VERSION)" "$(PKG_BUILD)" "$(PUBLISHER)"
	@echo "make package-check: all checks passed"
