# shoveltap — see README.md. `make demo` and `make test` are the two set-up
# commands; both make sure a local RabbitMQ with the needed plugins runs.
# A Go that can build shoveltap: `go` when it is 1.21 or later (it fetches
# go.mod's version itself), otherwise one fetched from the Go module proxy by
# scripts/ensure-go.sh (a fresh Debian box has only Go 1.19). GO is looked
# up the first time a recipe uses it, once, so that recipes without Go
# (clean) never fetch one. GO=… on the command line skips the look-up.
# Builds and tests run on Go 1.27.3, which the go command fetches from the
# Go module proxy (once, ~76 MB): the Go 1.26.8 of this box's image has ten
# standard-library advisories that govulncheck reports (net/http, crypto/tls,
# crypto/x509, net/textproto), fixed in later releases. go.mod still says
# 1.26, so any Go 1.26 builds it; GOTOOLCHAIN=local on the command line
# keeps the Go you have.
export GOTOOLCHAIN ?= go1.27.3
ifeq ($(origin GO),undefined)
GO = $(eval GO := $(or $(shell scripts/ensure-go.sh),$(error no Go toolchain: scripts/ensure-go.sh could not find or fetch one)))$(GO)
endif
# Go's directory goes first on PATH for the tests and scripts that run `go`
# themselves: set for the recipes that use Go only (and what they depend on).
START_PATH := $(PATH)
GO_RECIPES := build test test-all test-310 test-4x test-43 test-cluster lint unit demo cross bench bench-43 bench-smoke demo-mirror
$(GO_RECIPES): export PATH = $(dir $(GO)):$(START_PATH)
BIN         := bin/shoveltap
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
PLATFORMS   := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: build test test-all test-310 test-4x test-43 test-cluster deps lint unit broker demo cross bench bench-43 bench-smoke clean

build:
	$(GO) build -o $(BIN) .

# Two tiers (docs/testing.md). make test: the fast tier for a new clone —
# unit, integration, end-to-end and browser tests on the local RabbitMQ 3.10
# (scripts/ensure-rabbitmq.sh) and the two extra nodes of `make broker`
# (5673 mirror, 5674 without the shovel plugin); the TLS tests start and
# stop their own node (scripts/tls-node.sh, 5697). The slow tier (soaks,
# retention, large volumes: taptest.Slow) waits for make test-all, which
# adds it, lint, RabbitMQ 4.0 (test-4x), 4.3 (test-43, whose taps use local
# shovels) and a 3-node cluster (test-cluster); each of those starts its
# nodes and stops them after, pass or fail. Packages run one at a time
# (-p 1): they share the broker. RACE=-race runs the 3.10 tier under the
# race detector (.ci/run does).
RACE ?=
test: broker deps
	SHOVELTAP_TEST_SLOW=0 $(GO) test -p 1 -count=1 -timeout 20m ./...

test-all: lint test-310 test-4x test-43 test-cluster

# Both tiers on 3.10, and the restart tests (tap/restart_test.go), which
# restart a broker's app: on a node of their own (5700), never the shared one.
RESTART310_ENV := SHOVELTAP_TEST_RESTART_URL=amqp://guest:guest@127.0.0.1:5700/ SHOVELTAP_TEST_RESTART_API=http://127.0.0.1:15700 \
  SHOVELTAP_TEST_RESTART_CTL="rabbitmqctl -n restart@localhost"
test-310: broker deps
	scripts/node.sh start restart 5700 15700 rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management
	SHOVELTAP_TEST_SLOW=1 $(RESTART310_ENV) $(GO) test $(RACE) -p 1 -count=1 -timeout 40m ./...; \
	  rc=$$?; scripts/node.sh stop restart; exit $$rc

# The slow tier is not repeated on 4.x: what it covers does not depend on
# the broker's version (the 3.10 run has it).
RABBIT4_ENV := SHOVELTAP_TEST_SLOW=0 SHOVELTAP_TEST_URL=amqp://guest:guest@127.0.0.1:5690/ SHOVELTAP_TEST_API=http://127.0.0.1:15690 \
  SHOVELTAP_TEST_RABBITMQCTL="$(CURDIR)/scripts/rabbitmq4.sh ctl" \
  SHOVELTAP_TEST_RESTART_URL=amqp://guest:guest@127.0.0.1:5690/ SHOVELTAP_TEST_RESTART_API=http://127.0.0.1:15690 \
  SHOVELTAP_TEST_RESTART_CTL="$(CURDIR)/scripts/rabbitmq4.sh ctl"
test-4x: broker deps
	scripts/rabbitmq4.sh start
	$(RABBIT4_ENV) $(GO) test -p 1 -count=1 -timeout 20m ./tap/... ./setup/... ./ui/picker/... ./ui/taprun/...; \
	  rc=$$?; scripts/rabbitmq4.sh stop; exit $$rc

RABBIT43_ENV := SHOVELTAP_TEST_SLOW=0 SHOVELTAP_TEST_URL=amqp://guest:guest@127.0.0.1:5691/ SHOVELTAP_TEST_API=http://127.0.0.1:15691 \
  SHOVELTAP_RABBIT4=forky SHOVELTAP_TEST_RABBITMQCTL="$(CURDIR)/scripts/rabbitmq4.sh ctl" \
  SHOVELTAP_TEST_RESTART_URL=amqp://guest:guest@127.0.0.1:5691/ SHOVELTAP_TEST_RESTART_API=http://127.0.0.1:15691 \
  SHOVELTAP_TEST_RESTART_CTL="$(CURDIR)/scripts/rabbitmq4.sh ctl"
test-43: broker deps
	SHOVELTAP_RABBIT4=forky scripts/rabbitmq4.sh start
	$(RABBIT43_ENV) $(GO) test -p 1 -count=1 -timeout 20m ./tap/... ./setup/... ./ui/picker/... ./ui/taprun/...; \
	  rc=$$?; SHOVELTAP_RABBIT4=forky scripts/rabbitmq4.sh stop; exit $$rc

test-cluster: broker
	scripts/cluster.sh start
	SHOVELTAP_TEST_SLOW=1 SHOVELTAP_TEST_CLUSTER=1 $(GO) test -p 1 -count=1 -timeout 20m -run 'Cluster' ./tap/ ./tap/e2e/ ./setup/; \
	  rc=$$?; scripts/cluster.sh stop; exit $$rc

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@if git grep -l 'rabbit-hole' -- '*.go' ':!tap/broker/' ':!tap/taptest/' ':!*_test.go'; then echo "only tap/broker may use rabbit-hole (the files above)"; exit 1; fi
	GO=$(GO) scripts/lint-imports.sh

# Unit tests only: every test that needs a broker skips under -short.
unit:
	$(GO) test -short -count=1 ./...

# Test dependencies besides the broker: Debian's python3-celery for the
# real-Celery end-to-end test, python3-oslo.messaging for the lifecycle
# model's RPC test, Debian's chromium for the web monitor's browser
# tests and Debian's prometheus for the --metrics scrape test (each
# installed only when missing).
deps:
	scripts/ensure-celery.sh
	scripts/ensure-oslo.sh
	scripts/ensure-chromium.sh
	scripts/ensure-prometheus.sh

broker:
	scripts/ensure-rabbitmq.sh
	scripts/node.sh start bare 5674 15674 rabbitmq_management
	scripts/node.sh start mirror 5673 15673 rabbitmq_management,rabbitmq_shovel,rabbitmq_shovel_management

# Taps a topic exchange fed by a small built-in traffic generator.
demo: broker build
	$(GO) build -o bin/demogen ./bench/demogen
	@bin/demogen --exchange demo.orders --rate 20 & gen=$$!; \
	  trap 'kill $$gen 2>/dev/null' EXIT INT TERM; \
	  sleep 1; $(BIN) --url amqp://guest@localhost:5672/ --exchange demo.orders --key '#'

# Proves the release build matrix of .goreleaser.yaml compiles.
cross:
	@for p in $(PLATFORMS); do \
	  echo "build $$p"; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} CGO_ENABLED=0 $(GO) build -o /dev/null . || exit 1; \
	done

# Benchmarks against the local RabbitMQ (not part of make test): about 30
# minutes on 2 cores; writes docs/BENCHMARKS.md, docs/bench/results.json and
# docs/bench/production.svg. bench-smoke runs every part briefly (CI).
# Extra nodes (4.x, cluster) would share the two cores: stopped first.
bench: broker stop-extra
	$(GO) run ./bench
	$(GO) test -run '^$$' -bench 'UIGoroutine|FilterKeystroke|FilterFreeText100k|RenderAppendBatch100k' -benchtime 3s ./ui/ | tee docs/bench/ui.txt
	$(MAKE) bench-43

# The saturation part again on RabbitMQ 4.3 (local shovels), side by side
# with an amqp091 shovel and --no-shovel → docs/bench/rabbitmq-4.3/.
bench-43: broker stop-extra
	SHOVELTAP_RABBIT4=forky scripts/rabbitmq4.sh start
	$(GO) run ./bench -url amqp://guest:guest@127.0.0.1:5691/ -api http://127.0.0.1:15691 -only saturation \
	  -kinds shoveltap,shoveltap-no-shovel,shovel-amqp091,shovel-on-publish -out docs/bench/rabbitmq-4.3; \
	  rc=$$?; SHOVELTAP_RABBIT4=forky scripts/rabbitmq4.sh stop; exit $$rc

bench-smoke: broker stop-extra
	BENCH_SHORT=1 $(GO) run ./bench

.PHONY: stop-extra
stop-extra:
	scripts/rabbitmq4.sh stop
	SHOVELTAP_RABBIT4=forky scripts/rabbitmq4.sh stop
	scripts/cluster.sh stop

clean:
	rm -rf bin

# The mirror MQ demo: Celery generator and worker on production, a mirror
# node on 5673, `shoveltap setup apply`, the tracer on the mirror's copy.
# Everything runs on until `make demo-down` (pid files in /tmp/shoveltap-demo).
.PHONY: demo-mirror demo-down
demo-mirror:
	scripts/demo-mirror.sh up

demo-down:
	scripts/demo-mirror.sh down
