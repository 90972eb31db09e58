# Australis top-level Makefile: `make demo` and `make check` set everything up themselves.
#   make deps      install missing Debian packages (apt-get; needs root or sudo)
#   make build     configure + build (build/)
#   make check     deps + strict build + all tests + ASan/UBSan tests + format check
#   make demo      deps + build + the end-to-end demo (ground and satellite daemons)
#   make install PREFIX=DIR
#   make deb       a Debian package (binary, man pages, example configs, docs): ./australis_*.deb
#   make fuzz      build the libFuzzer targets with clang (build-fuzz/) and replay corpora
#   make bench     build and run the benchmarks
SHELL := /bin/bash
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FLIGHT_BUILD ?= build-flight
SHARED ?= $(abspath ../shared)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 60
FUZZ_SEED ?= 0

DEB_PKGS := build-essential cmake pkgconf clang clang-format llvm libclang-rt-14-dev \
            libssl-dev libsqlite3-dev libcmocka-dev libfec-dev libcjson-dev libcbor-dev \
            tshark openssl nodejs npm python3 valgrind help2man libseccomp-dev \
            libmicrohttpd-dev libpq-dev postgresql chromium \
            $(if $(filter x86_64,$(shell uname -m)),libipsec-mb-dev)

.PHONY: all deps build check test test-asan format-check demo install fuzz fuzz-smoke bench clean xcheck-deps flight deb

all: build

deps:
	@./tools/install-deps.sh $(DEB_PKGS)

xcheck-deps:
	@./tools/xcheck-deps.sh "$(SHARED)"

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUS_SHARED_DIR=$(SHARED) -DAUS_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

test: build xcheck-deps flight
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE 'slow' $(CTEST_ARGS)

test-asan: deps xcheck-deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAUS_SANITIZE=ON -DAUS_BENCH=OFF -DAUS_SHARED_DIR=$(SHARED) -DAUS_WERROR=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) -LE 'slow|nosan' $(CTEST_ARGS)

format-check: deps
	@./tools/format-check.sh

check: format-check test test-asan
	@echo "make check: all passed"

demo: deps # the build's output goes to $(BUILD)/build.log (shown only if it fails)
	@mkdir -p $(BUILD) && echo "make demo: building into $(BUILD)/ (log: $(BUILD)/build.log)" && $(MAKE) --no-print-directory build SHARED=$(SHARED) > $(BUILD)/build.log 2>&1 || { tail -n 40 $(BUILD)/build.log; echo "make demo: the build failed"; exit 2; }
	@$(MAKE) --no-print-directory xcheck-deps SHARED=$(SHARED)
	@./tools/demo.sh $(BUILD)

deb: build # a Debian package in the top folder (pkg/make-deb.sh): dpkg -i australis_*.deb
	./pkg/make-deb.sh $(BUILD) .

# the static aarch64 australis (docs/flight.md); sys_flight runs it under qemu in make check
flight: deps
	./tools/flight-build.sh $(FLIGHT_BUILD) $(SHARED)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

fuzz: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUS_FUZZ=ON -DAUS_TESTS=OFF -DAUS_BENCH=OFF -DAUS_SHARED_DIR=$(SHARED) -DAUS_WERROR=OFF >/dev/null
	cmake --build $(FUZZ_BUILD) -j$(JOBS)

fuzz-smoke: fuzz
	./tools/fuzz-smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_SEED)

bench: build
	./tools/run-benches.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
