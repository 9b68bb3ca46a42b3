// Package net is asynchronous network I/O for weft tasks: TCP, UDP and
// Unix-domain sockets whose operations are futures, served by the runtime's
// own I/O driver (an edge-triggered epoll instance beside the timer wheel),
// so that a task waiting for a socket costs a task, not a goroutine. It
// mirrors tokio::net; the name follows golang.org/x/net's practice of
// sharing the standard package's name, so import it under another name
// when you also use the standard library's net.
//
// # Sockets
//
//   - [ListenTCP] and [TCPListener.Accept]; [ConnectTCP] (with
//     [ConnectFuture.Timeout]); [TCPStream]: Read, Write, ReadFull,
//     WriteAll, Readable/Writable with TryRead/TryWrite, PollRead/PollWrite
//     for hand-written futures, CloseWrite, SetNoDelay, Split.
//   - [ListenUnix], [ConnectUnix], [UnixStream]: the same on Unix-domain
//     sockets.
//   - [ListenUDP] and [UDPSocket]: SendTo and RecvFrom.
//   - [Copy] and [CopyBidirectional]: a proxy in a few lines.
//   - Interop: [TCPStreamFromStd], [TCPStream.IntoStd] and the like move a
//     socket between the standard library and weft (one world at a time).
//
// Constructors take a weft.Spawner (a *weft.Runtime, *weft.Handle,
// *weft.LocalSet or the *future.Context of a task): the socket belongs to
// that runtime's driver. Addresses are IP addresses and ports (or
// localhost); resolve names with the standard library first, since
// resolving blocks.
//
// # Futures and memory
//
// Every operation's future waits in the socket's waiter list (any number of
// tasks may wait on one socket), allocates nothing per wait, and unlinks
// itself when dropped, so an aborted task leaves the socket usable. Keep a
// future and Reset it to read or write again without allocating. For the
// smallest idle connection, write the handler as a future that waits in
// PollRead (which keeps only the task's waker, in the socket) and reads
// into a buffer on its poll's stack with TryRead: `weft echo` does this,
// and an idle connection then costs about 320 bytes (the task, the socket,
// its table entry); see BENCHMARKS.md.
//
// # Lifecycle
//
// Close a socket when done: its waiters wake with [ErrClosed], later
// operations fail with it, and the descriptor is closed once no system call
// is using it. A socket dropped without Close keeps its descriptor open.
// When the runtime shuts down, tasks waiting on sockets are cancelled and
// every later operation fails with weft.ErrRuntimeShutdown; Close still
// releases the descriptor.
//
// # Paused clock
//
// Under weft.WithPausedClock (and in simulations), socket readiness is an
// event from outside: when no task can run, the runtime first polls its
// sockets without waiting, and only if none is ready does the clock jump to
// the next timer (Tokio's rule). A timeout around a read from a peer outside
// the runtime can therefore fire before the peer answers, at paused time;
// drive such tests with Runtime.Advance, or without a paused clock. A
// simulation with a socket open waits for it instead of reporting a
// deadlock.
//
// # Systems
//
// Linux only for now (epoll); elsewhere every constructor fails with
// [ErrUnsupported].
package net
