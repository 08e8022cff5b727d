// Package cleanup keeps the list of temporary files and directories the process has made and not yet removed, so
// that a signal handler can remove them before the process exits: a run stopped by Ctrl-C or a CI timeout leaves
// no half-written file behind.
package cleanup

import (
	"os"
	"sync"
)

var (
	mu    sync.Mutex
	paths = map[string]int{}
)

// Track records a temporary path; the returned function forgets it (call it once the path was renamed or
// removed).
func Track(path string) (forget func()) {
	mu.Lock()
	paths[path]++
	mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			mu.Lock()
			if paths[path]--; paths[path] <= 0 {
				delete(paths, path)
			}
			mu.Unlock()
		})
	}
}

// RemoveAll removes every tracked path (files and whole directories) and forgets them. It is safe to call from a
// signal handler's goroutine while other goroutines still work.
func RemoveAll() {
	mu.Lock()
	defer mu.Unlock()
	for p := range paths {
		os.RemoveAll(p)
		delete(paths, p)
	}
}

// Len returns how many paths are tracked.
func Len() int {
	mu.Lock()
	defer mu.Unlock()
	return len(paths)
}
