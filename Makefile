# Mailshift. Two commands matter: `make run` and `make test` (see README.md).
SHELL := /bin/bash
GO ?= go
BIN := bin/mailshift
ENGINE := $(foreach d,app store sync domain export internal,$(if $(wildcard $(d)/*.go $(d)/*/*.go),./$(d)/...))
ENGINE_DIRS := app store sync domain export

.PHONY: run build test deps-build deps-test fmt-check pipe-check vet vulncheck fyne-free test-engine test-views gui-smoke screenshots test-long bench clean

## run: install build packages if missing, build, open the app (demo project on first start)
run: build
	./$(BIN)

build: deps-build
	$(GO) build -o $(BIN) .

deps-build:
	@.ci/deps build

deps-test:
	@.ci/deps test

## test: install what the tests need, then run every check
test: deps-test fmt-check pipe-check fyne-free vet vulncheck test-engine test-views build gui-smoke
	@echo "make test: all checks passed"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Under `set -o pipefail` a reader that stops early (grep -q, head, awk's
# exit) kills its writer with SIGPIPE once the output outgrows the pipe
# buffer, and the script dies with status 141 on machines with more output
# (CI's ldconfig -p did). Scripts keep their readers reading to the end.
pipe-check:
	@bad=$$(grep -lE 'set -[a-z]*o pipefail' $$(git ls-files '*.sh' '.ci/*') | \
	  xargs grep -nE '\| *(grep -[a-zA-Z]*q|head( |$$|\))|awk .*[{; ]exit[ };])' || true); \
	if [ -n "$$bad" ]; then echo "early-exit reader in a pipefail pipeline (SIGPIPE risk):"; echo "$$bad"; exit 1; fi

# Engine packages must never import Fyne (their tests then build in seconds).
fyne-free:
	@for d in $(ENGINE_DIRS); do \
	  [ -d $$d ] || continue; \
	  bad=$$($(GO) list -deps ./$$d/... 2>/dev/null | grep '^fyne.io/' | head -3); \
	  if [ -n "$$bad" ]; then echo "$$d/ depends on Fyne: $$bad"; exit 1; fi; \
	done; echo "engine packages are free of Fyne"

vet:
	$(GO) vet $(ENGINE)
	CGO_ENABLED=0 $(GO) vet ./views/... ./assets/...

# govulncheck, offline, against a pinned copy of the Go vulnerability
# database (internal/vulngate says how): a dependency's known
# vulnerability that the code reaches fails the build.
vulncheck:
	$(GO) run ./internal/vulngate

test-engine:
	$(GO) test -race -count=1 -timeout 20m $(ENGINE)

# views/ builds without cgo: Fyne's test driver needs no GL.
test-views:
	LANG=en_US.UTF-8 CGO_ENABLED=0 $(GO) test -count=1 ./views/...

# A real window under Xvfb: the app starts on the demo project, stays up,
# and a screenshot of every screen is written to bin/screens/.
gui-smoke: build
	.ci/gui-smoke $(BIN) bin/screens

## screenshots: the real window on every screen of the demo, into docs/screens (for the README)
screenshots: build
	.ci/gui-smoke $(BIN) docs/screens

## test-long: the PST over 2 GB (needs about 7 GB of free disk; not part of make test)
test-long: deps-test
	$(GO) test -tags pstlong -run TestOver2GB -count=1 -timeout 30m ./export/pst/

## bench: speed and memory against the peers (not part of make test)
bench: deps-test
	$(GO) run ./internal/bench
	$(GO) run ./internal/benchui

clean:
	rm -rf bin dist

include assets/package/package.mk
