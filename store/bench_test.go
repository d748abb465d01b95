package store

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/benchdata"
	"github.com/sonde-mcp/sonde/mcp"
)

// Benchmarks, to be run side by side in one go (the machine is small and
// noisy; compare the sub-benchmarks of one run, not runs):
//
//	go test -run '^$' -bench . -benchtime 2s ./store
//
// They report ratios' ingredients; no unit test asserts wall-clock times.

var (
	bigDir  string
	bigOnce = map[int]*sync.Once{}
	bigMu   sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// bigRecording returns a recording of n synthetic events (average line
// about 230 bytes), generated once per test binary run in a temporary
// directory that TestMain removes.
func bigRecording(b *testing.B, n int) string {
	b.Helper()
	bigMu.Lock()
	if bigDir == "" {
		d, err := os.MkdirTemp("", "sonde-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bigDir = d
	}
	once := bigOnce[n]
	if once == nil {
		once = new(sync.Once)
		bigOnce[n] = once
	}
	bigMu.Unlock()
	path := filepath.Join(bigDir, fmt.Sprintf("big-%d.jsonl", n))
	once.Do(func() {
		rec, err := NewRecorder(RecorderOptions{Path: path, MaxQueue: 1 << 40, SyncEvery: -1})
		if err != nil {
			b.Fatal(err)
		}
		const chunk = 10000
		for done := 0; done < n; done += chunk {
			evs := synth(min(chunk, n-done) + 2)[2:] // keep the connect events at the very start only
			if done == 0 {
				evs = synth(min(chunk, n))
			}
			for _, e := range evs {
				e.Seq += uint64(done)
				e.Time = e.Time.Add(timeMs(done))
				rec.Record(e)
			}
		}
		if err := rec.Close(); err != nil {
			b.Fatal(err)
		}
	})
	return path
}

// BenchmarkOpen: time to the first event of a 10,000-event and a
// 1,000,000-event recording (open, read the first event, close), then
// random access once indexed, and the resident memory of a process that
// opens the recording, reads the first event, indexes it, reads events at
// the middle and the end and 1,000 in a row.
func BenchmarkOpen(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		path := bigRecording(b, n)
		fi, _ := os.Stat(path)
		b.Run(fmt.Sprintf("first-event/%d", n), func(b *testing.B) {
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			for b.Loop() {
				r, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.Next(); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N), "alloc-B/open")
			b.ReportMetric(float64(fi.Size())/(1<<20), "file-MiB")
		})
		b.Run(fmt.Sprintf("index/%d", n), func(b *testing.B) {
			for b.Loop() {
				r, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if r.Len() != n {
					b.Fatalf("len %d", r.Len())
				}
				r.Close()
			}
		})
		b.Run(fmt.Sprintf("seek-indexed/%d", n), func(b *testing.B) {
			r, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			r.Len()
			rng := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				if _, err := r.At(rng.IntN(n)); err != nil {
					b.Fatal(err)
				}
				r.SearchTime(timeMs(rng.IntN(n)))
			}
		})
		b.Run(fmt.Sprintf("rss/%d", n), func(b *testing.B) {
			var kb map[string]float64
			for b.Loop() {
				kb = childMemory(b, path)
			}
			b.ReportMetric(kb["VmHWM"], "peak-RSS-KB")
			b.ReportMetric(kb["VmRSS"], "RSS-KB")
			b.ReportMetric(kb["HeapInuse"], "heap-KB")
		})
	}
}

// childMemory runs TestMemoryChild on path in a fresh process and returns
// what it measured.
func childMemory(b *testing.B, path string) map[string]float64 {
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$")
	cmd.Env = append(os.Environ(), "SONDE_MEMORY_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	kb := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if f, err := strconv.ParseFloat(v, 64); ok && err == nil {
			kb[k] = f
		}
	}
	if kb["VmHWM"] == 0 {
		b.Fatalf("no measurement: %s", out)
	}
	return kb
}

// TestMemoryChild is the measured process of BenchmarkOpen's rss runs.
func TestMemoryChild(t *testing.T) {
	path := os.Getenv("SONDE_MEMORY_CHILD")
	if path == "" {
		t.Skip("run by BenchmarkOpen")
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	n := r.Len()
	for _, i := range []int{n / 2, n - 1} {
		if _, err := r.At(i); err != nil {
			t.Fatal(err)
		}
	}
	r.Seek(n / 2)
	for i := 0; i < 1000; i++ {
		r.Next()
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "VmHWM" || k == "VmRSS" {
			fmt.Printf("%s=%s\n", k, strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	fmt.Printf("HeapInuse=%d\n", ms.HeapInuse/1024)
	r.Close()
}

// BenchmarkRecordingOverhead: events per second through mcp.DecodeSSE
// (sonde's full decode path) with the recorder off and on. A session's
// recorder lives as long as the session, so one recorder takes every
// iteration. "on" includes Close, so every event is on disk (and synced)
// when the clock stops; "on-ingest" stops the clock when the last stream
// is decoded (what the session feels) and closes the recorder untimed.
// Both fail if an event was dropped.
func BenchmarkRecordingOverhead(b *testing.B) {
	const n = 10000
	data := benchdata.IngestStream(n)
	dir := b.TempDir()
	run := func(b *testing.B, record, timeClose bool) {
		b.SetBytes(int64(len(data)))
		var rec *Recorder
		if record {
			var err error
			rec, err = NewRecorder(RecorderOptions{Path: filepath.Join(dir, "overhead.jsonl")})
			if err != nil {
				b.Fatal(err)
			}
		}
		events := 0
		onEvent := func(e mcp.Event) { events++ }
		if rec != nil {
			onEvent = func(e mcp.Event) {
				events++
				rec.Record(e)
			}
		}
		for b.Loop() {
			if err := mcp.DecodeSSE(bytes.NewReader(data), 0, onEvent); err != nil {
				b.Fatal(err)
			}
		}
		if rec != nil {
			if !timeClose {
				b.StopTimer()
			}
			if err := rec.Close(); err != nil {
				b.Fatal(err)
			}
			if st := rec.Stats(); st.Dropped != 0 {
				b.Fatalf("dropped %d", st.Dropped)
			}
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("off", func(b *testing.B) { run(b, false, false) })
	b.Run("on", func(b *testing.B) { run(b, true, true) })
	b.Run("on-ingest", func(b *testing.B) { run(b, true, false) })

	// paired alternates one stream without and one with the recorder in
	// every iteration, so that load from other processes on a small,
	// shared machine falls on both alike; the ratios are the figures to
	// quote. on/off: the session's view (the decode while the recorder
	// works beside it). on-disk/off: until every event is written out,
	// the final Close (sync) included.
	b.Run("paired", func(b *testing.B) {
		rec, err := NewRecorder(RecorderOptions{Path: filepath.Join(dir, "paired.jsonl")})
		if err != nil {
			b.Fatal(err)
		}
		var off, on, drained, cpuOff, cpuOn time.Duration
		events := 0
		count := func(mcp.Event) { events++ }
		record := func(e mcp.Event) { rec.Record(e) }
		for b.Loop() {
			c0, start := cpuTime(), time.Now()
			if err := mcp.DecodeSSE(bytes.NewReader(data), 0, count); err != nil {
				b.Fatal(err)
			}
			c1, mid := cpuTime(), time.Now()
			if err := mcp.DecodeSSE(bytes.NewReader(data), 0, record); err != nil {
				b.Fatal(err)
			}
			decoded := time.Now()
			// Let the writer finish before the next "off" stream, so its
			// work is not counted there.
			if err := rec.Flush(); err != nil {
				b.Fatal(err)
			}
			c2 := cpuTime()
			off += mid.Sub(start)
			on += decoded.Sub(mid)
			drained += time.Since(mid)
			cpuOff += c1 - c0
			cpuOn += c2 - c1
		}
		start := time.Now()
		if err := rec.Close(); err != nil {
			b.Fatal(err)
		}
		closing := time.Since(start)
		if st := rec.Stats(); st.Dropped != 0 || int(st.Written) != events {
			b.Fatalf("dropped %d, wrote %d of %d", st.Dropped, st.Written, events)
		}
		b.ReportMetric(float64(events)/off.Seconds(), "off-events/s")
		b.ReportMetric(float64(events)/on.Seconds(), "on-events/s")
		b.ReportMetric(float64(events)/(drained+closing).Seconds(), "on-on-disk-events/s")
		b.ReportMetric(off.Seconds()/on.Seconds(), "on/off")
		b.ReportMetric(off.Seconds()/(drained+closing).Seconds(), "on-disk/off")
		// The process's CPU time (user+system, all threads) per stream:
		// what recording costs in CPU whatever else runs on the machine.
		b.ReportMetric(cpuOn.Seconds()/cpuOff.Seconds(), "cpu-on/cpu-off")
	})
}

func timeMs(i int) time.Duration { return time.Duration(i) * time.Millisecond }

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
