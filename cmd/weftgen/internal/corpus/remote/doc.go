// Package remote calls marked functions of package corpus: across
// packages, a call is awaited through the callee package's generated
// constructor.
package remote
