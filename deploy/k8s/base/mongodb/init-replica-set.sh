#!/bin/sh
# Initiates the replica set, adds members missing from it, and creates or updates the services'
# user and the backup user. Safe to run again (the Job runs at every apply that finds it gone).
set -eu
seed="mongodb://mongodb-0.mongodb:27017/admin?directConnection=true"
tls="--tls --tlsCAFile /tls/ca.crt"
auth="--username $MONGO_ROOT_USERNAME --password $MONGO_ROOT_PASSWORD --authenticationDatabase admin"
# shellcheck disable=SC2086
until mongosh --quiet --norc $tls "$seed" --eval 'db.adminCommand({ping: 1})' >/dev/null 2>&1; do
    echo "waiting for mongodb-0"; sleep 3
done
# shellcheck disable=SC2086
mongosh --quiet --norc $tls "$seed" $auth --eval '
const set = process.env.MONGO_REPLICA_SET;
const wanted = [...Array(Number(process.env.MONGO_MEMBERS)).keys()].map((i) => `mongodb-${i}.mongodb:27017`);
let initiated = true;
try { rs.status(); } catch (e) {
  if (e.codeName !== "NotYetInitialized") throw e;
  initiated = false;
}
if (!initiated) {
  rs.initiate({_id: set, members: wanted.map((host, i) => ({_id: i, host, priority: i === 0 ? 2 : 1}))});
  print(`initiated ${set} with ${wanted.length} member(s)`);
}
while (!db.hello().isWritablePrimary) { sleep(1000); }
const present = rs.conf().members.map((m) => m.host);
for (const host of wanted.filter((h) => !present.includes(h))) { rs.add(host); print(`added ${host}`); }
'
hosts=$(seq 0 $((MONGO_MEMBERS - 1)) | sed 's/.*/mongodb-&.mongodb:27017/' | paste -sd, -)
# shellcheck disable=SC2086
mongosh --quiet --norc $tls "mongodb://$hosts/admin?replicaSet=$MONGO_REPLICA_SET" $auth --eval '
const name = process.env.APP_USERNAME;
const roles = ["profiles", "offers", "recommender", "notifier", "gateway", "companies", "trainings"]
  .map((service) => ({role: "readWrite", db: `tremplin_${service}`}));
const users = [
  {user: name, pwd: process.env.APP_PASSWORD, roles},
  // The backup CronJob: mongodump of every database with the oplog, nothing else.
  {user: "backup", pwd: process.env.BACKUP_PASSWORD, roles: [{role: "backup", db: "admin"}]},
];
for (const {user, pwd, roles} of users) {
  if (db.getUser(user) === null) {
    db.createUser({user, pwd, roles}, {w: "majority"});
    print(`created user ${user}`);
  } else {
    db.updateUser(user, {pwd, roles}, {w: "majority"});
    print(`updated user ${user}`);
  }
}
'
