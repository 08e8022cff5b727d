// Command benchtool measures ferroseal against syft on the same inputs and prints the ratios of wall time and peak
// memory, as a Markdown table. `make bench` runs it through scripts/bench.sh.
//
//	benchtool -ferroseal bin/ferroseal -syft .tools/bin/syft -runs 5 NAME=PATH...
//
// Each input is read once by each tool before measuring (so both find it in the page cache), then -runs times by
// each; the table shows medians of wall time and the largest peak resident set size. It also times the floor for
// any tool that must read the input, in this process: Go's SHA-256 of a file; for a container image (an OCI
// layout directory), decompressing each layer and taking the SHA-256 of its compressed and decompressed bytes.
//
// With -startup FILE it prints a second table: the whole-process time of an empty Go program, of
// `ferroseal --version`, of a Go program hashing FILE, and of `ferroseal sbom FILE`.
//
// benchtool -hash FILE prints the SHA-256 of FILE: the Go program the start-up table runs.
package main

import (
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type measure struct {
	wall time.Duration
	rss  int64 // peak resident set, bytes (getrusage): the program's own code pages mapped from disk included
	anon int64 // peak anonymous resident memory, bytes, sampled every millisecond from /proc/PID/status
}

// rssAnon reads RssAnon (private memory: heap, stacks) of a running process, in bytes.
func rssAnon(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	return 0
}

// ownRSS is this program's resident set, bytes.
func ownRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	return 0
}

func run(argv []string, env []string) (measure, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return measure{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var anon int64
	var err error
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-tick.C:
			anon = max(anon, rssAnon(cmd.Process.Pid))
		}
	}
	wall := time.Since(start)
	if err != nil {
		return measure{}, fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return measure{wall: wall, rss: rss, anon: anon}, nil
}

func median(ms []measure) measure {
	walls := make([]time.Duration, len(ms))
	var rss, anon int64
	for i, m := range ms {
		walls[i] = m.wall
		rss = max(rss, m.rss)
		anon = max(anon, m.anon)
	}
	slices.Sort(walls)
	return measure{wall: walls[len(walls)/2], rss: rss, anon: anon}
}

func sha256Time(path string, runs int) (time.Duration, error) {
	var walls []time.Duration
	buf := make([]byte, 1<<20)
	for range runs + 1 {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		start := time.Now()
		h := sha256.New()
		_, err = io.CopyBuffer(h, f, buf)
		h.Sum(nil)
		walls = append(walls, time.Since(start))
		f.Close()
		if err != nil {
			return 0, err
		}
	}
	walls = walls[1:] // the first run warms the cache
	slices.Sort(walls)
	return walls[len(walls)/2], nil
}

// isImage reports whether dir is an OCI image layout.
func isImage(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "oci-layout"))
	return err == nil
}

// layersTime is the median time to read each layer blob of an OCI layout once, as any reader that checks digests
// must: the SHA-256 of its compressed bytes, and their gzip decompression (Go's, as ferroseal's).
func layersTime(dir string, runs int) (time.Duration, error) {
	blobs, err := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	if err != nil {
		return 0, err
	}
	buf := make([]byte, 256<<10)
	var walls []time.Duration
	for range runs + 1 {
		start := time.Now()
		for _, b := range blobs {
			f, err := os.Open(b)
			if err != nil {
				return 0, err
			}
			compressed := sha256.New()
			zr, err := gzip.NewReader(io.TeeReader(f, compressed))
			if err != nil { // a manifest or a config, not a layer
				f.Close()
				continue
			}
			_, err = io.CopyBuffer(io.Discard, zr, buf)
			f.Close()
			if err != nil {
				return 0, err
			}
		}
		walls = append(walls, time.Since(start))
	}
	walls = walls[1:]
	slices.Sort(walls)
	return walls[len(walls)/2], nil
}

func size(path string) string {
	var total int64
	count := 0
	st, err := os.Stat(path)
	if err != nil {
		return "?"
	}
	if !st.IsDir() {
		return fmt.Sprintf("%.1f MB", float64(st.Size())/1e6)
	}
	if isImage(path) {
		blobs, _ := filepath.Glob(filepath.Join(path, "blobs", "sha256", "*"))
		for _, b := range blobs {
			if info, err := os.Stat(b); err == nil {
				total += info.Size()
			}
		}
		return fmt.Sprintf("image, %.0f MB", float64(total)/1e6)
	}
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			total += info.Size()
			count++
		}
	}
	return fmt.Sprintf("%d files, %.0f MB", count, float64(total)/1e6)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchtool:", err)
	os.Exit(1)
}

func main() {
	ferroseal := flag.String("ferroseal", "bin/ferroseal", "ferroseal binary")
	syft := flag.String("syft", ".tools/bin/syft", "syft binary")
	runs := flag.Int("runs", 5, "measured runs per tool and input")
	hashFile := flag.String("hash", "", "print the SHA-256 of this file and exit")
	startup := flag.String("startup", "", "also measure start-up, with this binary for the SBOM and hash runs")
	flag.Parse()
	if *hashFile != "" {
		f, err := os.Open(*hashFile)
		if err != nil {
			fail(err)
		}
		h := sha256.New()
		if _, err := io.CopyBuffer(h, f, make([]byte, 256<<10)); err != nil {
			fail(err)
		}
		fmt.Printf("%x  %s\n", h.Sum(nil), *hashFile)
		return
	}
	if flag.NArg() == 0 && *startup == "" {
		fmt.Fprintln(os.Stderr, "usage: benchtool [flags] NAME=PATH...")
		os.Exit(2)
	}
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	syftEnv := []string{"SYFT_CHECK_FOR_APP_UPDATE=false"}
	if flag.NArg() > 0 {
		fmt.Println("| input | size | ferroseal | syft | syft / ferroseal (time) | ferroseal peak RSS (private) | syft peak RSS (private) | syft / ferroseal (RSS) | floor: Go reads it once | ferroseal / floor |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	}
	for _, arg := range flag.Args() {
		name, path, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "benchtool: %q is not NAME=PATH\n", arg)
			os.Exit(2)
		}
		fArgs := []string{*ferroseal, "sbom", path, "-o", "cyclonedx-json"}
		sArgs := []string{*syft, "scan", "file:" + path, "-q", "-o", "cyclonedx-json@1.6"}
		env := syftEnv
		var st os.FileInfo
		var err error
		remote := strings.HasPrefix(path, "registry:")
		if remote {
			// The same image in a registry on this machine: both tools pull it (plain HTTP, loopback).
			sArgs[2] = path
			env = append(env, "SYFT_REGISTRY_INSECURE_USE_HTTP=true")
			st = dirInfo{}
		} else if st, err = os.Stat(path); err != nil {
			fail(err)
		}
		image := !remote && st.IsDir() && isImage(path)
		switch {
		case remote:
		case image:
			sArgs[2] = "oci-dir:" + path
		case st.IsDir():
			fArgs = append(fArgs, "--merge")
			sArgs[2] = "dir:" + path
		}
		var fm, sm []measure
		for i := range *runs + 1 {
			f, err := run(fArgs, nil)
			if err != nil {
				fail(err)
			}
			s, err := run(sArgs, env)
			if err != nil {
				fail(err)
			}
			if i > 0 { // the first run of each warms the page cache
				fm, sm = append(fm, f), append(sm, s)
			}
		}
		f, s := median(fm), median(sm)
		floorCol, ratioCol := "", ""
		var floor time.Duration
		switch {
		case remote:
		case image:
			floor, err = layersTime(path, *runs)
		case !st.IsDir():
			floor, err = sha256Time(path, *runs)
		}
		if err != nil {
			fail(err)
		}
		if floor > 0 {
			floorCol = floor.Round(time.Millisecond).String()
			ratioCol = fmt.Sprintf("%.2f×", float64(f.wall)/float64(floor))
		}
		sz := "pulled"
		if !remote {
			sz = size(path)
		}
		fmt.Printf("| %s | %s | %s | %s | %.0f× | %.1f MiB (%.1f) | %.1f MiB (%.1f) | %.0f× | %s | %s |\n", name, sz,
			f.wall.Round(time.Millisecond), s.wall.Round(time.Millisecond), float64(s.wall)/float64(f.wall),
			mib(f.rss), mib(f.anon), mib(s.rss), mib(s.anon), float64(s.rss)/float64(f.rss), floorCol, ratioCol)
	}
	if *startup != "" {
		if err := startupTable(*ferroseal, *startup, *runs); err != nil {
			fail(err)
		}
	}
}

// startupTable times whole processes: an empty Go program, ferroseal --version, a Go program hashing file (this
// one, with -hash), and ferroseal sbom file.
func startupTable(ferroseal, file string, runs int) error {
	dir, err := os.MkdirTemp("", "benchtool-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-o", empty, filepath.Join(dir, "main.go"))
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building an empty program: %v: %s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	rows := []struct {
		name string
		argv []string
	}{
		{"an empty Go program", []string{empty}},
		{"ferroseal --version", []string{ferroseal, "--version"}},
		{fmt.Sprintf("a Go program hashing a %.0f MB binary (SHA-256)", float64(st.Size())/1e6), []string{self, "-hash", file}},
		{"ferroseal sbom of that binary", []string{ferroseal, "sbom", file, "-o", "cyclonedx-json"}},
	}
	// More runs than the other table: these take milliseconds, and vary more.
	n := max(runs*4, 20)
	got := make([]measure, len(rows))
	for i, r := range rows {
		var ms []measure
		for j := range n + 1 {
			m, err := run(r.argv, nil)
			if err != nil {
				return err
			}
			if j > 0 {
				ms = append(ms, m)
			}
		}
		got[i] = median(ms)
	}
	fmt.Println()
	// Linux counts a child's resident memory from before its exec, when it shares this program's: below this
	// program's own, a peak is not known.
	floorRSS := ownRSS()
	fmt.Println("| start-up (whole process) | wall | peak RSS (private) | against |")
	fmt.Println("|---|---|---|---|")
	against := []string{"", fmt.Sprintf("%.1f× the empty program", float64(got[1].wall)/float64(got[0].wall)), "",
		fmt.Sprintf("%.2f× hashing it", float64(got[3].wall)/float64(got[2].wall))}
	for i, r := range rows {
		rss := fmt.Sprintf("%.1f MiB (%.1f)", float64(got[i].rss)/(1<<20), float64(got[i].anon)/(1<<20))
		if got[i].rss <= floorRSS {
			rss = fmt.Sprintf("below %.1f MiB", float64(floorRSS)/(1<<20))
		}
		fmt.Printf("| %s | %.1f ms | %s | %s |\n", r.name, float64(got[i].wall.Microseconds())/1000, rss, against[i])
	}
	return nil
}

// dirInfo stands for a registry input, which has no file.
type dirInfo struct{ os.FileInfo }

func (dirInfo) IsDir() bool { return false }
