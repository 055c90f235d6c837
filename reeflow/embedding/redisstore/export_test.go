package redisstore

// ValueKey and LeaseKey are the Redis keys of a digest's value and lease, for tests that look
// into Redis.
var (
	ValueKey = (*Store).valueKey
	LeaseKey = (*Store).leaseKey
)
