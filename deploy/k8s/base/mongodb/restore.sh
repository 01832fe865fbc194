#!/bin/sh
# Restores an archive of backup.sh: the archive named in /backups/restore-from, else the newest.
# Replaces every collection it holds (--drop) and replays the oplog it carries: the state of the
# dump's end. Run with the platform stopped (docs/operations.md, "Backups and restore").
set -eu
archive="/backups/$(cat /backups/restore-from 2>/dev/null || (cd /backups && ls -t tremplin-*.archive.gz | head -n 1))"
echo "restoring $archive"
uri="mongodb://$MONGO_ROOT_USERNAME:$MONGO_ROOT_PASSWORD@$MONGO_HOSTS/?replicaSet=$MONGO_REPLICA_SET&authSource=admin&tls=true&tlsCAFile=/tls/ca.crt"
mongorestore --uri="$uri" --drop --oplogReplay --gzip --archive="$archive" --nsExclude='admin.*'
