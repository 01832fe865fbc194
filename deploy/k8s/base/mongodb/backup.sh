#!/bin/sh
# One archive per run: every database, plus the oplog of the dump's own duration (--oplog), so that
# `mongorestore --oplogReplay` gives one consistent state, that of the dump's end. Written under a
# temporary name and renamed once complete; archives older than BACKUP_KEEP_DAYS are removed.
set -eu
name="tremplin-$(date -u +%Y%m%dT%H%M%SZ).archive.gz"
uri="mongodb://backup:$BACKUP_PASSWORD@$MONGO_HOSTS/?replicaSet=$MONGO_REPLICA_SET&authSource=admin&readPreference=secondaryPreferred&tls=true&tlsCAFile=/tls/ca.crt"
mongodump --uri="$uri" --oplog --gzip --archive="/backups/.$name.part"
mv "/backups/.$name.part" "/backups/$name"
find /backups -name 'tremplin-*.archive.gz' -mtime +"$BACKUP_KEEP_DAYS" -delete
ls -l /backups
