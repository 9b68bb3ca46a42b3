// Package rtx names the executor a future.Context carries: the runtime that
// polls the future, found by the code inside it to spawn, sleep or open a
// socket.
//
// The type lives in an internal package so that it seals weft.Spawner: the
// Spawner interface's one method returns an Executor, and a method whose
// signature names a type of an internal package can only be written inside
// this module. A type from elsewhere that claims to be a Spawner is then a
// compile error, not a panic at the first spawn. Only *weft.Runtime,
// *weft.Handle, *weft.LocalSet and *future.Context implement it (and types
// that embed one of them).
package rtx

// Executor is the runtime behind a Context or a Spawner: weft's *Handle, the
// executor of a LocalSet, or nil for a Context that no weft runtime polls.
// The root package finds its handle with a type switch; the timer and the
// I/O futures find their drivers by asking it for an interface
// (timer.Provider, IODriver). It is a defined interface type, not any, only
// so that method signatures naming it are the module's own (see the package
// comment).
type Executor interface{}
