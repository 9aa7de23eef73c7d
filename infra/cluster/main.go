// Command cluster is code-factory's local Temporal cluster: the Temporal server (frontend,
// history, matching and worker services in one process) on PostgreSQL, with SQL visibility.
// infra/cluster.sh builds it once (cached outside the clone) and drives it:
//
//	cluster sql <temporal-sql-tool flags and command>   create databases, set up and migrate schemas
//	cluster serve <config dir>                          run the server from <dir>/development.yaml
//
// The schemas come from the server module itself (embedded; --schema-name postgresql/v12/...),
// so they always match the server version in go.mod.
package main

import (
	"fmt"
	"os"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // the postgres12 plugin
	"go.temporal.io/server/temporal"
	sqltool "go.temporal.io/server/tools/sql"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: cluster sql <args> | cluster serve <config dir>")
	}
	switch os.Args[1] {
	case "sql":
		if err := sqltool.RunTool(append([]string{"cluster sql"}, os.Args[2:]...)); err != nil {
			fail(err.Error())
		}
	case "serve":
		if len(os.Args) != 3 {
			fail("usage: cluster serve <config dir>")
		}
		serve(os.Args[2])
	default:
		fail("unknown command " + os.Args[1])
	}
}

func serve(configDir string) {
	cfg, err := config.LoadConfig("development", configDir, "")
	if err != nil {
		fail(err.Error())
	}
	logger := log.NewZapLogger(log.BuildZapLogger(cfg.Log))
	var dc dynamicconfig.Client = dynamicconfig.NewNoopClient()
	if cfg.DynamicConfigClient != nil {
		dc, err = dynamicconfig.NewFileBasedClient(cfg.DynamicConfigClient, logger, temporal.InterruptCh())
		if err != nil {
			fail(err.Error())
		}
	}
	// Loopback only, for development and tests: no authorization.
	server, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithDynamicConfigClient(dc),
		temporal.WithLogger(logger),
		temporal.InterruptOn(temporal.InterruptCh()),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper {
			return authorization.NewNoopClaimMapper()
		}),
	)
	if err != nil {
		fail(err.Error())
	}
	if err := server.Start(); err != nil {
		fail(err.Error())
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "cluster:", message)
	os.Exit(1)
}
