// Command benchtool measures ferroseal against syft on the same inputs and prints the ratios of wall time and peak
// memory, as a Markdown table. `make bench` runs it through scripts/bench.sh.
//
//	benchtool -ferroseal bin/ferroseal -syft .tools/bin/syft -runs 5 NAME=PATH...
//
// Each input is read once by each tool before measuring (so both find it in the page cache), then -runs times by
// each; the table shows medians of wall time and the largest peak resident set size. For a file input, it also
// times Go's SHA-256 of the file alone (in this process, streamed), the floor for any tool that must hash it.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
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
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			total += info.Size()
			count++
		}
	}
	return fmt.Sprintf("%d files, %.0f MB", count, float64(total)/1e6)
}

func main() {
	ferroseal := flag.String("ferroseal", "bin/ferroseal", "ferroseal binary")
	syft := flag.String("syft", ".tools/bin/syft", "syft binary")
	runs := flag.Int("runs", 5, "measured runs per tool and input")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: benchtool [flags] NAME=PATH...")
		os.Exit(2)
	}
	syftEnv := []string{"SYFT_CHECK_FOR_APP_UPDATE=false"}
	fmt.Println("| input | size | ferroseal | syft | syft / ferroseal (time) | ferroseal peak RSS (private) | syft peak RSS (private) | syft / ferroseal (RSS) | Go SHA-256 alone | ferroseal / SHA-256 |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, arg := range flag.Args() {
		name, path, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "benchtool: %q is not NAME=PATH\n", arg)
			os.Exit(2)
		}
		st, err := os.Stat(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtool:", err)
			os.Exit(1)
		}
		fArgs := []string{*ferroseal, "sbom", path, "-o", "cyclonedx-json"}
		sArgs := []string{*syft, "scan", "file:" + path, "-q", "-o", "cyclonedx-json@1.6"}
		if st.IsDir() {
			fArgs = append(fArgs, "--merge")
			sArgs[2] = "dir:" + path
		}
		var fm, sm []measure
		for i := range *runs + 1 {
			f, err := run(fArgs, nil)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchtool:", err)
				os.Exit(1)
			}
			s, err := run(sArgs, syftEnv)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchtool:", err)
				os.Exit(1)
			}
			if i > 0 { // the first run of each warms the page cache
				fm, sm = append(fm, f), append(sm, s)
			}
		}
		f, s := median(fm), median(sm)
		shaCol, ratioCol := "", ""
		if !st.IsDir() {
			sha, err := sha256Time(path, *runs)
			if err != nil {
				fmt.Fprintln(os.Stderr, "benchtool:", err)
				os.Exit(1)
			}
			shaCol = sha.Round(time.Millisecond).String()
			ratioCol = fmt.Sprintf("%.2f×", float64(f.wall)/float64(sha))
		}
		mib := func(b int64) float64 { return float64(b) / (1 << 20) }
		fmt.Printf("| %s | %s | %s | %s | %.0f× | %.1f MiB (%.1f) | %.1f MiB (%.1f) | %.0f× | %s | %s |\n", name, size(path),
			f.wall.Round(time.Millisecond), s.wall.Round(time.Millisecond), float64(s.wall)/float64(f.wall),
			mib(f.rss), mib(f.anon), mib(s.rss), mib(s.anon), float64(s.rss)/float64(f.rss), shaCol, ratioCol)
	}
}
