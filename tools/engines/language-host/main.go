// A minimal Pulumi Node.js language host for the end-to-end preview test (test/engines/pulumi-preview.test.ts).
//
// Why it exists: the real host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not
// served by the Go module proxy at any version, and the last host shipped inside sdk/v3 (v3.68.0) cannot run
// policy packs (its RunPlugin answers "not supported"). The CLI, the engine, the Node.js SDK and the pack are the
// real ones; this host only starts Node.js the way the real one does:
//   - Run: `node <@pulumi/pulumi/cmd/run> --monitor … --engine … --project … --stack … --pwd … [--dry-run] <program>`
//     with PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, exit code 32 meaning "error already reported" (bail);
//   - RunPlugin (kind analyzer): `node <@pulumi/pulumi/cmd/run-policy-pack> <args…> <pack dir>` in the pack
//     directory, behind the SDK's own PolicyProxy, which hands the stack configuration to the pack's environment;
//   - no plugin acquisition (the test attaches stand-in providers with PULUMI_DEBUG_PROVIDERS).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The Node.js SDK exits with this code after it has already reported the error to the engine.
const exitCodeBail = 32

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
}

func main() {
	flag.String("tracing", "", "ignored")
	flag.String("root", "", "ignored")
	flag.Bool("typescript", true, "ignored")
	flag.Parse()
	h := &host{engineAddress: flag.Arg(0)}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "language host: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "language host: %v\n", err)
		os.Exit(1)
	}
}

// resolveModule finds a file of @pulumi/pulumi the way Node's resolution would from dir: walking up node_modules.
func resolveModule(dir, module string) (string, error) {
	for current := dir; ; current = filepath.Dir(current) {
		candidate := filepath.Join(current, "node_modules", filepath.FromSlash(module))
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		if filepath.Dir(current) == current {
			return "", fmt.Errorf("%s not found in node_modules above %s: run npm ci", module, dir)
		}
	}
}

func optionEnv(info *pulumirpc.ProgramInfo) []string {
	var env []string
	if info == nil || info.Options == nil {
		return env
	}
	options := info.Options.AsMap()
	if typescript, ok := options["typescript"].(bool); !ok || typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if tsconfig, ok := options["tsconfig"].(string); ok && tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}
	return env
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.EngineAddress != "" {
		h.engineAddress = req.EngineAddress
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "0.0.0-secure-gitops-e2e"}, nil
}

// No plugins to acquire: providers are attached with PULUMI_DEBUG_PROVIDERS and nothing is downloaded.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *host) GetProgramDependencies(context.Context, *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

// Dependencies are installed by `npm ci` before the test runs.
func (h *host) InstallDependencies(*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	return nil
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: "node", Version: strings.TrimSpace(string(out))}, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.Pwd
	if req.Info != nil && req.Info.ProgramDirectory != "" {
		programDir = req.Info.ProgramDirectory
	}
	runPath, err := resolveModule(programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return nil, err
	}
	args := []string{runPath, "--monitor", req.MonitorAddress, "--engine", h.engineAddress}
	for _, flagValue := range [][2]string{{"organization", req.Organization}, {"project", req.Project}, {"stack", req.Stack}, {"pwd", req.Pwd}} {
		if flagValue[1] != "" {
			args = append(args, "--"+flagValue[0], flagValue[1])
		}
	}
	if req.DryRun {
		args = append(args, "--dry-run")
	}
	args = append(args, "--query-mode", strconv.FormatBool(req.QueryMode), "--parallel", strconv.Itoa(int(req.Parallel)))
	program := req.Program
	if program == "" {
		program = "."
	}
	args = append(append(args, program), req.Args...)

	config, err := json.Marshal(req.Config)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(req.ConfigSecretKeys)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.Pwd
	cmd.Env = append(append(os.Environ(), optionEnv(req.Info)...), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitCodeBail {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse]) error {
	if req.Kind != "analyzer" {
		return fmt.Errorf("this language host runs policy packs only, not %q plugins", req.Kind)
	}
	if req.Info == nil || req.Info.ProgramDirectory == "" {
		return errors.New("RunPlugin: no program directory")
	}
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	packDir := req.Info.ProgramDirectory
	runPath, err := resolveModule(packDir, "@pulumi/pulumi/cmd/run-policy-pack")
	if err != nil {
		return err
	}
	// The SDK's proxy answers the engine's handshake and stack configuration, then forwards to the pack.
	proxy, proxiedStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start policy pack proxy: %w", err)
	}
	stack, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("could not get stack configuration: %w", err)
	}
	env := append(append([]string{}, req.Env...), optionEnv(req.Info)...)
	if stack != nil {
		for key, value := range map[string]string{
			"PULUMI_NODEJS_ORGANIZATION": stack.Organization,
			"PULUMI_NODEJS_PROJECT":      stack.Project,
			"PULUMI_NODEJS_STACK":        stack.Stack,
			"PULUMI_NODEJS_DRY_RUN":      strconv.FormatBool(stack.DryRun),
		} {
			if value != "" {
				env = append(env, key+"="+value)
			}
		}
		if stack.Config != nil {
			config, err := json.Marshal(stack.Config)
			if err != nil {
				return err
			}
			env = append(env, "PULUMI_CONFIG="+string(config))
		}
	}
	args := append(append([]string{runPath}, req.Args...), packDir)
	cmd := exec.CommandContext(ctx, "node", args...)
	// Node.js policy packs always ran with the pack directory as working directory.
	cmd.Dir = packDir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = proxiedStdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the policy pack: %w", err)
	}
	if err := proxy.Attach(ctx, cmd); err != nil {
		return fmt.Errorf("could not attach the policy pack proxy: %w", err)
	}
	return closer.Close()
}
