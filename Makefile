# Moat: `make run` starts the daemon in the foreground, `make test` runs every test.
SHELL := /bin/bash
RID := linux-x64
DIST := dist
ARGS ?=
PUBLISH := dotnet publish -c Release -r $(RID) --nologo -v quiet -p:DebugType=none

.PHONY: all deps build run test bench install clean

all: build

deps:
	@scripts/deps.sh

build: deps
	$(PUBLISH) src/Moat.Daemon/Moat.Daemon.csproj -o obj/publish/moatd
	$(PUBLISH) src/Moat.Cli/Moat.Cli.csproj -o obj/publish/moat
	@mkdir -p $(DIST)
	install -m 0755 obj/publish/moatd/moatd $(DIST)/moatd
	install -m 0755 obj/publish/moat/moat $(DIST)/moat
	$(CC) -O2 -Wall -Wextra -Werror -o $(DIST)/moat-shim src/Moat.Shim/moat-shim.c src/Moat.Shim/native-exec.c -lseccomp

run: build
	$(DIST)/moatd $(ARGS)

test: build
	scripts/test.sh

bench: build
	scripts/bench.sh

install: build
	install -m 0755 $(DIST)/moatd /usr/local/bin/moatd
	install -m 0755 $(DIST)/moat /usr/local/bin/moat
	install -m 0755 $(DIST)/moat-shim /usr/local/bin/moat-shim
	install -m 0644 contrib/systemd/moat.service /etc/systemd/system/moat.service
	install -m 0644 contrib/systemd/moat.socket /etc/systemd/system/moat.socket

clean:
	rm -rf $(DIST) obj src/*/bin src/*/obj tests/*/bin tests/*/obj
