package benchwork

import (
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// SampleConfig is the sampling method of every program under bench/: warm up for Warmup (and at
// least 3 ops), size a sample so that it takes about SampleTime, take
// Samples samples, report the median ns per op.
type SampleConfig struct {
	Samples    int
	SampleTime time.Duration
	Warmup     time.Duration
}

// Defaults of the sampling knobs.
const (
	DefaultSamples    = 10
	DefaultSampleTime = 100 * time.Millisecond
	DefaultWarmup     = 300 * time.Millisecond
)

// SampleConfigFromEnv reads ANCHOR_SAMPLES, ANCHOR_SAMPLE_MS and
// ANCHOR_WARMUP_MS, as the anchor binaries do; a missing, malformed or
// non-positive value keeps the default.
func SampleConfigFromEnv() SampleConfig {
	return SampleConfig{
		Samples:    envInt("ANCHOR_SAMPLES", DefaultSamples),
		SampleTime: time.Duration(envInt("ANCHOR_SAMPLE_MS", int(DefaultSampleTime/time.Millisecond))) * time.Millisecond,
		Warmup:     time.Duration(envInt("ANCHOR_WARMUP_MS", int(DefaultWarmup/time.Millisecond))) * time.Millisecond,
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Stats is the result of Sample.
type Stats struct {
	Iters   int       // ops per sample
	Median  float64   // median over the samples of ns per op
	Min     float64   // fastest sample, ns per op
	Max     float64   // slowest sample, ns per op
	Samples []float64 // ns per op of each sample, sorted
	// AllocsPerOp is the number of heap allocations per op over all
	// samples, counted by the whole process (so background work counts).
	AllocsPerOp float64
}

// Sample times op with that method (see SampleConfig). It stops at
// the first error op returns.
func Sample(cfg SampleConfig, op func() error) (Stats, error) {
	if cfg.Samples < 1 {
		cfg.Samples = 1
	}
	start := time.Now()
	n := 0
	for n < 3 || time.Since(start) < cfg.Warmup {
		if err := op(); err != nil {
			return Stats{}, err
		}
		n++
	}
	per := float64(time.Since(start).Nanoseconds()) / float64(n)
	iters := int(math.Ceil(float64(cfg.SampleTime.Nanoseconds()) / per))
	iters = min(max(iters, 1), 1_000_000)
	runtime.GC()

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	v := make([]float64, 0, cfg.Samples)
	for range cfg.Samples {
		t := time.Now()
		for range iters {
			if err := op(); err != nil {
				return Stats{}, err
			}
		}
		v = append(v, float64(time.Since(t).Nanoseconds())/float64(iters))
	}
	runtime.ReadMemStats(&ms1)
	slices.Sort(v)
	return Stats{
		Iters:       iters,
		Median:      median(v),
		Min:         v[0],
		Max:         v[len(v)-1],
		Samples:     v,
		AllocsPerOp: float64(ms1.Mallocs-ms0.Mallocs) / float64(cfg.Samples*iters),
	}, nil
}

// median of sorted v: the middle value, or the mean of the two middle ones.
func median(v []float64) float64 {
	k := len(v)
	if k%2 == 1 {
		return v[k/2]
	}
	return (v[k/2-1] + v[k/2]) / 2
}
