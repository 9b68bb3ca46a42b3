package benchwork

// The goroutine twins, mirroring bench/tokio-rt/src/main.rs function by
// function: tokio::spawn is a go statement, awaiting all JoinHandles is
// sync.WaitGroup, a std sync_channel is a buffered chan, a oneshot is a chan
// of capacity 1, yield_now is runtime.Gosched. Go has no "outside the
// runtime": local and remote spawns are the same code.

import (
	"runtime"
	"sync"
	"sync/atomic"
)

func spawnAndJoin(n int) func() error {
	return func() error {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {})
		}
		wg.Wait()
		return nil
	}
}

func goSpawnManyLocal() *Instance {
	done := make(chan unit, 1000)
	var rem atomic.Int64
	return &Instance{op: func() error {
		rem.Store(NumSpawn)
		for range NumSpawn {
			go func() {
				if rem.Add(-1) == 0 {
					done <- unit{}
				}
			}()
		}
		<-done
		return nil
	}}
}

func goSpawnManyRemoteIdle() *Instance { return &Instance{op: spawnAndJoin(NumSpawn)} }

// goSpawnManyRemoteBusy1: 2×NumWorkers goroutines loop Gosched + stall.
func goSpawnManyRemoteBusy1() *Instance {
	var flag atomic.Bool
	flag.Store(true)
	var bg sync.WaitGroup
	for range 2 * NumWorkers {
		bg.Go(func() {
			for flag.Load() {
				runtime.Gosched()
				Stall()
			}
		})
	}
	return &Instance{
		op:       spawnAndJoin(NumSpawn),
		stopBusy: func() { flag.Store(false) },
		close:    func() error { bg.Wait(); return nil },
	}
}

// goSpawnManyRemoteBusy2: NumWorkers chains of goroutines, each stalling and
// then starting its successor.
func goSpawnManyRemoteBusy2() *Instance {
	var flag atomic.Bool
	flag.Store(true)
	var bg sync.WaitGroup // one Done per chain, when the chain stops
	var iter func()
	iter = func() {
		go func() {
			if flag.Load() {
				Stall()
				iter()
			} else {
				bg.Done()
			}
		}()
	}
	bg.Add(NumWorkers)
	for range NumWorkers {
		go iter()
	}
	return &Instance{
		op:       spawnAndJoin(Busy2Spawn),
		stopBusy: func() { flag.Store(false) },
		close:    func() error { bg.Wait(); return nil },
	}
}

func goPingPong() *Instance {
	done := make(chan unit, 1000)
	var rem atomic.Int64
	return &Instance{op: func() error {
		rem.Store(NumPings)
		go func() {
			for range NumPings {
				go func() {
					c1 := make(chan unit, 1)
					c2 := make(chan unit, 1)
					go func() {
						<-c1
						c2 <- unit{}
					}()
					c1 <- unit{}
					<-c2
					if rem.Add(-1) == 0 {
						done <- unit{}
					}
				}()
			}
		}()
		<-done
		return nil
	}}
}

func goYieldMany() *Instance {
	done := make(chan unit, YieldTasks)
	return &Instance{op: func() error {
		for range YieldTasks {
			go func() {
				for range NumYield {
					runtime.Gosched()
				}
				done <- unit{}
			}()
		}
		for range YieldTasks {
			<-done
		}
		return nil
	}}
}

func chainIterate(done chan unit, n int) {
	if n == 0 {
		done <- unit{}
	} else {
		go chainIterate(done, n-1)
	}
}

func goChainedSpawn() *Instance {
	done := make(chan unit, 1000)
	return &Instance{op: func() error {
		go chainIterate(done, ChainIter)
		<-done
		return nil
	}}
}

func goCTSpawnManyLocal() *Instance { return &Instance{op: spawnAndJoin(CTNumSpawn)} }

func goCTSpawnManyRemoteIdle() *Instance { return &Instance{op: spawnAndJoin(CTNumSpawn)} }

// goCTSpawnManyRemoteBusy: a goroutine that endlessly starts its successor.
func goCTSpawnManyRemoteBusy() *Instance {
	var flag atomic.Bool
	flag.Store(true)
	var bg sync.WaitGroup
	var iter func()
	iter = func() {
		go func() {
			if flag.Load() {
				iter()
			} else {
				bg.Done()
			}
		}()
	}
	bg.Add(1)
	iter()
	return &Instance{
		op:       spawnAndJoin(CTNumSpawn),
		stopBusy: func() { flag.Store(false) },
		close:    func() error { bg.Wait(); return nil },
	}
}

func goCTYieldMany() *Instance {
	return &Instance{op: func() error {
		var wg sync.WaitGroup
		for range YieldTasks {
			wg.Go(func() {
				for range NumYield {
					runtime.Gosched()
				}
			})
		}
		wg.Wait()
		return nil
	}}
}

func goCTChainedSpawn() *Instance { return goChainedSpawn() }
