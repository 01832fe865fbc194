// Command ferretdb runs an embedded FerretDB 1.24 (MongoDB wire protocol over
// SQLite) for local development and CI.
//
// Why not `go install github.com/FerretDB/FerretDB/cmd/ferretdb`: that binary
// panics at start because build/version/version.txt is not in the module zip.
// The embeddable package github.com/FerretDB/FerretDB/ferretdb does not need it.
//
// Built and started by deploy/local/stack.py; the binary lands in .local/bin/.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only when FERRETDB_PPROF_ADDR is set (profiling the store)
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:"+envOr("FERRETDB_PORT", "27017"),
		"TCP listen address (env FERRETDB_PORT sets the port of the default)")
	dataDir := flag.String("data-dir", envOr("FERRETDB_DATA_DIR", "data"),
		"directory holding the SQLite databases (env FERRETDB_DATA_DIR)")
	// WAL with synchronous=NORMAL: a commit no longer waits for an fsync, and a kill -9 of any
	// process loses nothing (the WAL is in the OS's hands); only an OS crash or a power loss can
	// drop the last commits. _txlock=immediate takes the write lock when a write transaction
	// begins, so concurrent writers queue instead of failing and retrying. Measured side by side
	// with stock settings by bench/bench_store.py (docs/benchmarks.md).
	params := "_pragma=synchronous(normal)&_txlock=immediate"
	if v, ok := os.LookupEnv("FERRETDB_SQLITE_PARAMS"); ok {
		params = v // set and empty: FerretDB's own settings (bench-store measures both)
	}
	sqliteParams := flag.String("sqlite-params", params,
		"query string of the SQLite URL, empty for FerretDB's defaults (env FERRETDB_SQLITE_PARAMS)")
	logLevel := flag.String("log-level", envOr("FERRETDB_LOG_LEVEL", "warn"),
		"log level: debug, info, warn, error (env FERRETDB_LOG_LEVEL)")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(*logLevel))); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad -log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	// FerretDB's own logs (one INFO line per client connection: quiet by default).
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)
	// Lifecycle messages of this wrapper, always shown.
	own := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("name", "tremplin-ferretdb")

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		own.Error("cannot resolve data dir", "dir", *dataDir, "error", err)
		os.Exit(1)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		own.Error("cannot create data dir", "dir", dir, "error", err)
		os.Exit(1)
	}

	// Go's profiler, to see where the store spends its time (bench/README: profiling).
	if addr := os.Getenv("FERRETDB_PPROF_ADDR"); addr != "" {
		go func() { own.Info("pprof", "error", http.ListenAndServe(addr, nil)) }()
	}

	// Telemetry: the embeddable package disables and locks it itself.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(dir, *sqliteParams),
	})
	if err != nil {
		own.Error("cannot start FerretDB", "error", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	go func() {
		<-ctx.Done()
		// A second signal gets the default behaviour (immediate exit).
		stop()
		own.Info("signal received, shutting down")
		// Safety net: never hang on shutdown.
		time.Sleep(10 * time.Second)
		own.Error("shutdown took more than 10s, exiting")
		os.Exit(1)
	}()

	own.Info("FerretDB listening", "addr", *listen, "data_dir", dir, "uri", "mongodb://"+*listen+"/")
	if err := f.Run(ctx); err != nil {
		own.Error("FerretDB stopped with an error", "error", err)
		os.Exit(1)
	}
	own.Info("FerretDB stopped cleanly")
}

func sqliteURL(dir, params string) string {
	if params == "" {
		return "file:" + dir + "/"
	}
	return "file:" + dir + "/?" + params
}
